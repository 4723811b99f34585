"""Matching terms as a French reader would: accents and case ignored, whole words, elisions.

« VELOS BOREAL », « vélos boréal » and « Vélos-Boréal » all name Vélos Boréal; « l'Atelier »,
« d\u2019Atelier » and « qu'Atelier » name l'Atelier (the elided article or conjunction is not
part of the word, and the typographic apostrophe U+2019 is the one French text uses);
« Ateliers » and « boréalement » do not. Text and terms are folded the inbox's way
(``desk.inbox.fold``: NFKD, combining marks dropped, casefolded) plus the ligatures NFKD keeps
(œ, æ), then matched with the ``regex`` package (already a dependency) for its Unicode
properties: ``\\p{Pd}`` is every dash and ``\\w`` every letter of every script, so a word
boundary is right outside ASCII too (https://github.com/mrabarnett/mrab-regex).

A term that is a domain (``velosboreal.example``) also matches inside a URL or after ``www.``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import regex

from syndication.desk.inbox import fold

# Apostrophes French text is written with: ASCII, typographic (U+2019), modifier letter (U+02BC),
# and the left quote and grave accent some keyboards put instead.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
# Elided words that may stand glued before a term (l'Atelier, jusqu'à…); a term written with its
# article (« L'Atelier ») is matched as written.
ELISIONS = ("l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu")


def normalise(text: str) -> str:
    """``text`` folded for matching: no accents, no case, one apostrophe, ligatures spelt out."""
    return fold(text.translate(_APOSTROPHES)).translate(_LIGATURES)


def _pattern(term: str) -> str:
    """The regular expression of one folded term: its words apart by spaces or dashes."""
    words = normalise(term).split()
    if len(words) == 1 and "." in words[0] and "'" not in words[0]:  # a domain
        return rf"(?<![\w-]){regex.escape(words[0])}(?![\w-]|\.\w)"
    joined = r"[\s\p{Pd}]+".join(regex.escape(word) for word in words)
    # Whole words: no letter or digit on either side. An apostrophe before the term is an
    # elision (l'|d'|qu'), which the lookbehind allows since ' is not a word character.
    return rf"(?<!\w){joined}(?!\w)"


class Matcher:
    """Every term of the listening file, compiled once per run."""

    def __init__(self, terms: Mapping[str, Sequence[str]]) -> None:
        self.compiled: dict[tuple[str, str], regex.Pattern[str]] = {
            (kind, term): regex.compile(_pattern(term), regex.V1)
            for kind, terms_of_kind in terms.items()
            for term in terms_of_kind
            if normalise(term).strip()
        }

    def find(self, text: str) -> dict[str, tuple[str, ...]]:
        """The terms found in ``text``, by kind, each as written in the listening file."""
        folded = normalise(text)
        found: dict[str, list[str]] = {}
        for (kind, term), pattern in self.compiled.items():
            if pattern.search(folded):
                found.setdefault(kind, []).append(term)
        return {kind: tuple(terms) for kind, terms in found.items()}


def about(found: Mapping[str, Sequence[str]], kinds: Sequence[str]) -> str:
    """What a mention is about: the first kind of ``kinds`` (us first) with a term found."""
    return next((kind for kind in kinds if found.get(kind)), "")
