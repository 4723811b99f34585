"""Terms are found as a French reader would find them, and only as whole words."""

from __future__ import annotations

import pytest

from syndication.listen.match import Matcher

TERMS = {
    "us": ["Vélos Boréal", "Atelier", "velosboreal.example", "L'Atelier du Nord"],
    "competitors": ["Cycles Nordet"],
    "industry": ["vélo cargo", "cœur de vélo"],
}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("VELOS BOREAL, encore en retard", {"us": ("Vélos Boréal",)}),
        ("chez vélos boréal", {"us": ("Vélos Boréal",)}),
        ("les Vélos-Boréal", {"us": ("Vélos Boréal",)}),
        ("Vélos\u00a0Boréal", {"us": ("Vélos Boréal",)}),  # a no-break space
        ("Ve\u0301los Bore\u0301al", {"us": ("Vélos Boréal",)}),  # accents as combining marks
        ("l'Atelier a répondu", {"us": ("Atelier",)}),
        ("d\u2019Atelier", {"us": ("Atelier",)}),  # the typographic apostrophe
        ("qu'Atelier", {"us": ("Atelier",)}),
        ("L\u2019ATELIER DU NORD", {"us": ("Atelier", "L'Atelier du Nord")}),
        ("voir https://www.velosboreal.example/blogue", {"us": ("velosboreal.example",)}),
        (
            "Cycles Nordet et un vélo cargo",
            {"competitors": ("Cycles Nordet",), "industry": ("vélo cargo",)},
        ),
        ("un coeur de velo", {"industry": ("cœur de vélo",)}),
    ],
)
def test_found(text: str, found: dict[str, tuple[str, ...]]) -> None:
    assert Matcher(TERMS).find(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "les Ateliers du coin",  # another word that starts the same
        "latelier",  # no apostrophe: not an elision
        "Boréal seul",  # half a term
        "velosboreal.examples.net",  # another domain
        "notvelosboreal.example",
        "Cycles Nordetski",
        "vélo, cargo",  # the words apart, not the term
    ],
)
def test_not_found(text: str) -> None:
    assert Matcher(TERMS).find(text) == {}
