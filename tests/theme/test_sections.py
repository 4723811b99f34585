"""Conversation sections rendered by a worker process are the ones rendered in place, and the
section shared by posts without a state file is the one each would have alone."""

from __future__ import annotations

import concurrent.futures
import logging
import os
import sys
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
from bs4 import Tag
from markupsafe import Markup
from theme_site import JUST_SHARED, POSTS, TALKED_ABOUT, BuiltSite, build

from syndication.store.state import StateStore


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


def _last_count(caplog: pytest.LogCaptureFixture) -> str:
    """What the last build logged of its conversation sections: how many, and by whom."""
    counted = [r.getMessage() for r in caplog.records if "conversation sections" in r.getMessage()]
    assert counted, "the build logged no count of its conversation sections"
    return counted[-1]


def _posts_with_state(workdir: Path) -> int:
    """How many posts of the build in ``workdir`` have a state file: the sections a worker gets."""
    return len(list(StateStore(workdir / "state").posts_dir.glob("*.json")))


@pytest.fixture
def all_to_the_worker(site: BuiltSite, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The plugin's sections module, as Pelican imported it ("agora", PLUGIN_PATHS, when the
    site fixture built it), with every section with state handed to the worker."""
    module = sys.modules["agora.sections"]
    monkeypatch.setattr(module, "INLINE_STATE_BYTES", 0)
    return module


def test_sections_from_a_worker_are_those_rendered_in_place(
    site: BuiltSite,
    all_to_the_worker: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    module = all_to_the_worker
    in_this_process: list[str] = []  # the worker's own renders are not seen here
    render = module.SectionRenderer.render

    def counted_render(self: Any, job: Any, keep_state: bool = True) -> str:
        in_this_process.append(job.lang)
        return str(render(self, job, keep_state))

    monkeypatch.setattr(module.SectionRenderer, "render", counted_render)
    html = module.Sections.html

    def html_once_the_worker_is_done(self: Any, job: Any) -> Any:
        # The build takes back a batch no worker has begun (the next test); here the worker
        # is given the time to render every one, so that what it rendered is what is compared.
        if self._queued and self._pool is not None:
            self._hand_over(self._pool)
        concurrent.futures.wait(list(self._pending.values()))
        return html(self, job)

    monkeypatch.setattr(module.Sections, "html", html_once_the_worker_is_done)
    with caplog.at_level(logging.DEBUG, logger="agora"):
        aside = build(tmp_path)
    in_place, by_worker = sections(site), sections(aside)
    # One section per post page of the fixture blog: each French post and each translation.
    assert len(in_place) == sum(2 if item.english else 1 for item in POSTS) > 5
    assert by_worker == in_place
    assert "Léa" in in_place[f"{TALKED_ABOUT}/index.html"]  # the fixture conversation is there
    # Only posts with a state file go to the worker: the others show their language's empty one.
    with_state = _posts_with_state(tmp_path)
    assert 0 < with_state < len(in_place)
    assert sorted(in_this_process) == ["en", "fr"]  # the empty section, once per language
    assert _last_count(caplog).endswith(f"{with_state} by a worker (0 taken back)")


def test_cards_and_images_are_drawn_by_one_pool_of_workers() -> None:
    from plugins.agora import workers

    cards, images = workers.DrawingQueue(inline_limit=0), workers.DrawingQueue(inline_limit=0)
    pool = cards._workers()
    assert pool is not None and images._workers() is pool  # cpu_count - 1 workers in all
    assert pool.submit(os.getpid).result() != os.getpid()
    cards.wait()
    assert pool.submit(abs, -1).result() == 1  # the images still use it
    images.wait()
    with pytest.raises(RuntimeError):  # the last one done shut it down
        pool.submit(abs, -1)


class _Unstarted(Future[Any]):
    """A hand-over no worker ever begins: waiting for it is the build stalling."""

    def result(self, timeout: float | None = None) -> Any:
        raise AssertionError("the build waited for a batch that no worker had begun")


class _StarvedPool:
    """A worker pool whose worker never gets a core (a niced worker beside a busy process)."""

    def submit(self, *_: Any) -> Future[Any]:
        return _Unstarted()

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


def test_sections_no_worker_has_begun_are_rendered_by_the_build_itself(
    site: BuiltSite,
    all_to_the_worker: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    module = all_to_the_worker
    monkeypatch.setattr(module, "BATCH", 1)  # a hand-over per post
    monkeypatch.setattr(module, "fork_pool", lambda *_: _StarvedPool())
    with caplog.at_level(logging.DEBUG, logger="agora"):
        starved = build(tmp_path)
    assert sections(starved) == sections(site)
    with_state = _posts_with_state(tmp_path)
    assert _last_count(caplog).endswith(f"0 by a worker ({with_state} taken back)")


def raw_sections(site: BuiltSite) -> dict[str, bytes]:
    """Every page's conversation section, by page, as the bytes written (not parsed again)."""
    found: dict[str, bytes] = {}
    for path in sorted(site.root.rglob("index.html")):
        page = path.read_bytes()
        start = page.find(b'<section class="conversation"')
        if start >= 0:
            end = page.index(b"</section>", start) + len(b"</section>")
            found[str(path.relative_to(site.root))] = page[start:end]
    return found


def test_posts_without_state_show_the_section_each_would_have_alone(
    site: BuiltSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = sys.modules["agora.sections"]
    renders: list[str] = []
    render = module.SectionRenderer.render

    def render_per_post(self: Any, job: Any, stateless: bool) -> Markup:
        renders.append(job.key)
        return Markup(
            render(self.renderer, job)
        )  # what every post without state got before issue 20

    # Every section rendered for its own post, as a build did before they were shared.
    monkeypatch.setattr(module.Sections, "_in_place", render_per_post)
    monkeypatch.setattr(module, "INLINE_STATE_BYTES", 10**9)  # all in place: each one counted
    alone = raw_sections(build(tmp_path))
    shared = raw_sections(site)
    stateless = [
        page
        for item in POSTS
        if item.slug not in (TALKED_ABOUT, JUST_SHARED)
        for page in (
            f"{item.slug}/index.html",
            *([f"en/{item.slug}/index.html"] * bool(item.english)),
        )
    ]
    assert len(renders) == len(alone) == len(shared)  # one render per post page above
    assert len(stateless) > 3 and {p.split("/")[0] for p in stateless} >= {"en"}
    assert {page: shared[page] for page in stateless} == {page: alone[page] for page in stateless}
    assert shared == alone  # and the posts with a state file are untouched
    assert b'class="empty"' in shared[stateless[0]]


def test_the_section_worker_yields_the_core_to_pelican_and_drawing_workers_do_not() -> None:
    from plugins.agora import workers

    sections = workers.fork_pool()
    drawings = workers.DrawingQueue(inline_limit=0)
    assert sections is not None  # two cores or more here, as in CI
    try:
        section_niceness = sections.submit(os.nice, 0).result()
        drawing_pool = drawings._workers()  # the pool the cards and images are drawn by
        assert drawing_pool is not None
        drawing_niceness = drawing_pool.submit(os.nice, 0).result()
    finally:
        sections.shutdown()
        drawings.wait()
    assert section_niceness == min(19, os.nice(0) + workers.NICENESS)
    assert drawing_niceness == os.nice(0)  # the build's own priority: its fair share of a core
