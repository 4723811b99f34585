"""Each post's conversation section, rendered to HTML once per build, beside Pelican's own work.

A post's section costs its state file (read, parsed, moderated) and ``_conversation.html`` run over
every reply and face: about 40 microseconds an interaction, so 100,000 stored interactions cost a
build four seconds of one core. A post's section is asked for as soon as Pelican reads the post
(``request``) and rendered in a worker process (forked, one core left to Pelican) while Pelican
reads and writes the rest; ``html`` collects it. The first 200 kB of state are rendered in
place: a small or quiet site does not start a worker. The worker runs below Pelican's priority;
when Pelican collects a section whose batch no worker has begun (the worker starved by another
busy process), it renders that batch itself instead of waiting (``html``).

The template is Pelican's own (the articles generator's Jinja environment, with every filter the
theme has), given the settings, ``page_lang`` and an ``article`` with the post's ``title``,
``slug``, ``lang``, ``url`` and ``agora`` (``conversation.Conversation``). The state is read when
the section is rendered, never kept on the post: Pelican's content cache never holds it, so a new
reply shows at the next build even when the post did not change.

Memory (issue 20): a build holds every section from the moment Pelican has read the posts until
it has written their pages. A section from the worker comes back compressed (``PackedSection``,
an eighth of its size) and is decompressed only as its page is written; the worker reads each
state, renders it and lets it go (``StateReader`` keeps the ones read in place, for the next
build of the same process). A post without a state file shows the same empty section as every
other post in its language: it is rendered once per language.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, Template, TemplateNotFound
from markupsafe import Markup

from syndication.networks import registry
from syndication.store.state import StateStore

from .conversation import Conversation, build_conversation
from .statecache import StateReader
from .workers import fork_pool

TEMPLATE = "_conversation.html"
# Bytes of state a build renders in place before it hands the rest to a worker process: a quiet
# or small site never starts one (the fork and the hand-overs would cost more than they save).
# 200 kB take about 40 ms to render, twice what forking a 230 MB build and a first hand-over take
# (18 ms); a megabyte cost Pelican's own core 0.2 s for nothing (issue 20).
INLINE_STATE_BYTES = 200_000
BATCH = 50  # sections per hand-over to the worker
# zlib's fastest level: the worker's core is shared with the cards, and a section's markup
# repeats itself so much that it shrinks about eight times even so.
PACK_LEVEL = 1


@dataclass(frozen=True)
class SectionArticle:
    """What ``_conversation.html`` knows of the post it is under."""

    title: str
    slug: str
    lang: str
    url: str
    agora: Conversation


@dataclass(frozen=True)
class SectionJob:
    """One post's section to render: picklable, so a worker can be handed it."""

    key: str  # the state's key, ``slug.lang``
    title: str
    slug: str
    lang: str
    url: str


class SectionRenderer:
    """Renders posts' sections from their state files with the theme's template (one build)."""

    def __init__(
        self,
        env: Environment,
        settings: Mapping[str, Any],
        states: StateReader,
        state_root: Path,
        moderation_file: Path,
    ) -> None:
        self.env = env
        # What Pelican gives every template: the settings, by their upper-case names.
        self.context = {name: value for name, value in settings.items() if name.isupper()}
        self.labels: Mapping[str, str] = registry.labels()
        self.context["AGORA_NETWORK_LABELS"] = self.labels
        self.states = states
        self.state_root = state_root
        self.moderation_file = moderation_file
        # The names a reader must not pass for: the company's, as the theme shows it.
        self.company_names = tuple(
            str(settings[name]) for name in ("COMPANY_NAME", "SITENAME") if settings.get(name)
        )
        self._template: Template | None = None
        self._listed: frozenset[str] | None = None  # the state files' names, listed when needed

    def state_size(self, key: str) -> int | None:
        """The size of the state file of ``key`` in bytes; None when it has none yet."""
        try:
            return StateStore(self.state_root).path_for(key).stat().st_size
        except FileNotFoundError:
            return None

    def has_state(self, key: str) -> bool:
        """Whether the post ``key`` has a state file: the state folder is listed once per build
        (one call, where a ``stat`` per post cost 0.1 s of 1,500 posts' build)."""
        path = StateStore(self.state_root).path_for(key)
        if self._listed is None:
            try:
                self._listed = frozenset(os.listdir(path.parent))
            except FileNotFoundError:
                self._listed = frozenset()
        return path.name in self._listed

    def conversation(self, key: str, keep_state: bool = True) -> Conversation:
        """The moderated conversation of the post whose state is ``key``.

        ``keep_state=False`` reads the state without keeping it in ``states`` (a worker, whose
        cache would end with it anyway, and would hold every post's state until then).
        """
        if keep_state:
            state = self.states.post_state(self.state_root, key)
        else:
            state = StateStore(self.state_root).load(key)
        keep = self.states.moderation(self.moderation_file)
        return build_conversation(state, self.labels, keep=keep, company_names=self.company_names)

    @property
    def available(self) -> bool:
        """Whether the theme has a conversation section (Pelican's own themes do not).

        Looked up, not compiled: the theme's filters may not all be registered yet.
        """
        if self.env.loader is None:
            return False
        try:
            self.env.loader.get_source(self.env, TEMPLATE)
        except TemplateNotFound:
            return False
        return True

    def render(self, job: SectionJob, keep_state: bool = True) -> str:
        """The HTML of one post's section (``keep_state``: see ``conversation``)."""
        if self._template is None:
            self._template = self.env.get_template(TEMPLATE)
        conversation = self.conversation(job.key, keep_state)
        article = SectionArticle(job.title, job.slug, job.lang, job.url, conversation)
        return self._template.render(self.context, article=article, page_lang=job.lang)


class PackedSection:
    """A section rendered by a worker, compressed until its page is written.

    Jinja writes ``{{ article.agora_html }}`` through ``__html__`` (autoescaping) or ``str``:
    either gives the HTML, decompressed for that page only.
    """

    __slots__ = ("packed",)

    def __init__(self, html: str) -> None:
        self.packed = zlib.compress(html.encode(), PACK_LEVEL)

    def __html__(self) -> str:
        """The section's HTML, rendered by the autoescaping template: safe as it is."""
        return zlib.decompress(self.packed).decode()

    def __str__(self) -> str:
        return self.__html__()


# What ``Sections.html`` gives a post: HTML rendered in this process, or packed by the worker.
SectionHTML = Markup | PackedSection


# The renderer of the build under way, as forked workers inherit it: a job names a post only.
_WORKER_RENDERER: SectionRenderer | None = None


def _render_in_worker(jobs: list[SectionJob]) -> dict[str, PackedSection | None]:
    """Sections of ``jobs`` by key, packed; None for one that failed (rendered again in place,
    where its error is raised with its own traceback)."""
    assert _WORKER_RENDERER is not None, "a section worker is forked after its renderer is set"
    rendered: dict[str, PackedSection | None] = {}
    for job in jobs:
        try:
            rendered[job.key] = PackedSection(_WORKER_RENDERER.render(job, keep_state=False))
        except Exception:  # noqa: BLE001 - see the docstring
            rendered[job.key] = None
    return rendered


@dataclass(frozen=True)
class Rendered:
    """What one build rendered: sections in all, and how many of them in a worker."""

    sections: int
    handed_off: int
    taken_back: int = 0  # of those handed off, rendered in the build's process: no worker began


class Sections:
    """The sections of one build: asked for early, rendered aside, collected when needed.

    Jobs go to the worker by ``BATCH``: each hand-over costs the main process a fraction of a
    millisecond (pickling, the pool's threads), more than a quiet post's section costs to render.
    A post without a state file is never handed over: its language's empty section is reused.
    """

    def __init__(self, renderer: SectionRenderer, inline_bytes: int | None = None) -> None:
        self.renderer = renderer
        self.inline_bytes = INLINE_STATE_BYTES if inline_bytes is None else inline_bytes
        self._inline_read = 0  # bytes of state rendered in place so far
        self._done: dict[str, SectionHTML] = {}
        self._empty: dict[str, Markup] = {}  # language -> the section of a post without state
        self._queued: list[SectionJob] = []  # for the worker, not handed over yet
        self._pending: dict[str, Future[dict[str, PackedSection | None]]] = {}
        self._pool: ProcessPoolExecutor | None = None
        self.handed_off = 0
        self.taken_back = 0  # of those handed off, rendered here after all (``html``)

    def request(self, job: SectionJob) -> None:
        """Start rendering the section of ``job``'s post (in a worker once past a few)."""
        if job.key in self._done or job.key in self._pending or job in self._queued:
            return
        stateless = not self.renderer.has_state(job.key)
        pool = None
        if not stateless and self._inline_read >= self.inline_bytes:
            pool = self._workers()
        if pool is None:
            self._inline_read += 0 if stateless else self.renderer.state_size(job.key) or 0
            try:
                self._done[job.key] = self._in_place(job, stateless)
            except Exception:  # noqa: BLE001 - a post with broken metadata: reported by the checks
                return  # and rendered again, raising, if it is ever asked for
            return
        self._queued.append(job)
        if len(self._queued) >= BATCH:
            self._hand_over(pool)

    def html(self, job: SectionJob) -> SectionHTML:
        """The section of ``job``'s post, rendered now if it was never asked for.

        A section that failed raises its error here.
        """
        if self._queued and self._pool is not None:
            self._hand_over(self._pool)  # the last, partial batch
        done = self._done.get(job.key)
        if done is None:
            future = self._pending.pop(job.key, None)
            packed = None
            if future is not None and future.cancel():
                # No worker has begun this post's batch (a low-priority worker on a busy
                # machine): rendered here rather than waited for. Its other posts follow, as
                # a cancelled future stays cancelled.
                self.taken_back += 1
            elif future is not None:
                packed = future.result().get(job.key)
            if packed is not None:
                done = packed
            else:
                done = self._in_place(job, not self.renderer.has_state(job.key))
            self._done[job.key] = done
        return done

    def _in_place(self, job: SectionJob, stateless: bool) -> Markup:
        """The section of ``job`` rendered here; a post without a state file (``stateless``)
        gets its language's empty section, rendered once.

        ``_conversation.html`` shows an empty conversation from ``page_lang`` and the settings
        only, never the post's title, slug or address, so every such post in a language shows
        the same bytes (tests/theme/test_sections.py compares them with a render per post).
        """
        if not stateless:
            return Markup(self.renderer.render(job))  # by the autoescaping template: safe
        empty = self._empty.get(job.lang)
        if empty is None:
            empty = self._empty[job.lang] = Markup(self.renderer.render(job))
        return empty

    def close(self) -> Rendered:
        """Stop the worker; what was rendered. Sections not collected are dropped."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        total = len(self._done) + len(self._pending) + len(self._queued)
        return Rendered(total, self.handed_off, self.taken_back)

    def _hand_over(self, pool: ProcessPoolExecutor) -> None:
        jobs, self._queued = self._queued, []
        future = pool.submit(_render_in_worker, jobs)
        for job in jobs:
            self._pending[job.key] = future
        self.handed_off += len(jobs)

    def _workers(self) -> ProcessPoolExecutor | None:
        """The worker, started on first need; None where processes cannot be forked."""
        global _WORKER_RENDERER
        if self._pool is None:
            _WORKER_RENDERER = self.renderer  # before the fork, so the worker has it
            self._pool = fork_pool()  # the templates compiled; Pelican reads and writes meanwhile
        return self._pool
