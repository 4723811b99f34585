"""Conversation sections rendered by a worker process are the ones rendered in place."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest
from bs4 import Tag
from theme_site import POSTS, TALKED_ABOUT, BuiltSite, build


def sections(site: BuiltSite) -> dict[str, str]:
    """Every page's conversation section, by page."""
    found: dict[str, str] = {}
    for path in sorted(site.root.rglob("index.html")):
        section = site.soup("/" + str(path.parent.relative_to(site.root)) + "/").find(
            "section", class_="conversation"
        )
        if isinstance(section, Tag):
            found[str(path.relative_to(site.root))] = str(section)
    return found


def test_sections_from_a_worker_are_those_rendered_in_place(
    site: BuiltSite,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The site fixture built it, so Pelican has imported the plugin, as "agora" (PLUGIN_PATHS).
    monkeypatch.setattr(sys.modules["agora.sections"], "INLINE_STATE_BYTES", 0)  # all to the worker
    with caplog.at_level(logging.DEBUG, logger="agora"):
        aside = build(tmp_path)
    in_place, by_worker = sections(site), sections(aside)
    # One section per post page of the fixture blog: each French post and each translation.
    assert len(in_place) == sum(2 if item.english else 1 for item in POSTS) > 5
    assert by_worker == in_place
    assert "Léa" in in_place[f"{TALKED_ABOUT}/index.html"]  # the fixture conversation is there
    counted = [r.getMessage() for r in caplog.records if "conversation sections" in r.getMessage()]
    assert counted and counted[-1].endswith(f"{len(in_place)} by a worker"), counted


def test_workers_yield_the_core_to_pelican() -> None:
    from plugins.agora import workers

    pool = workers.fork_pool()
    assert pool is not None  # two cores or more here, as in CI
    try:
        niceness = pool.submit(os.nice, 0).result()
    finally:
        pool.shutdown()
    assert niceness == min(19, os.nice(0) + workers.NICENESS)
