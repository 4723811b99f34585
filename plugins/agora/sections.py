"""Each post's conversation section, rendered to HTML once per build, beside Pelican's own work.

A post's section costs its state file (read, parsed, moderated) and ``_conversation.html`` run over
every reply and face: about 40 microseconds an interaction, so 100,000 stored interactions cost a
build four seconds of one core. A post's section is asked for as soon as Pelican reads the post
(``request``) and rendered in a worker process (forked, one core left to Pelican) while Pelican
reads and writes the rest; ``html`` collects it. The first megabyte of state is rendered in
place: a small or quiet site does not start a worker.

The template is Pelican's own (the articles generator's Jinja environment, with every filter the
theme has), given the settings, ``page_lang`` and an ``article`` with the post's ``title``,
``slug``, ``lang``, ``url`` and ``agora`` (``conversation.Conversation``). The state is read when
the section is rendered, never kept on the post: Pelican's content cache never holds it, so a new
reply shows at the next build even when the post did not change.
"""

from __future__ import annotations

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
INLINE_STATE_BYTES = 1_000_000
BATCH = 50  # sections per hand-over to the worker


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

    def state_size(self, key: str) -> int:
        """The size of the state file of ``key`` in bytes (0 when it has none yet)."""
        try:
            return StateStore(self.state_root).path_for(key).stat().st_size
        except FileNotFoundError:
            return 0

    def conversation(self, key: str) -> Conversation:
        """The moderated conversation of the post whose state is ``key``."""
        state = self.states.post_state(self.state_root, key)
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

    def render(self, job: SectionJob) -> str:
        """The HTML of one post's section."""
        if self._template is None:
            self._template = self.env.get_template(TEMPLATE)
        article = SectionArticle(job.title, job.slug, job.lang, job.url, self.conversation(job.key))
        return self._template.render(self.context, article=article, page_lang=job.lang)


# The renderer of the build under way, as forked workers inherit it: a job names a post only.
_WORKER_RENDERER: SectionRenderer | None = None


def _render_in_worker(jobs: list[SectionJob]) -> dict[str, str | None]:
    """Sections of ``jobs`` by key; None for one that failed (rendered again in place, where its
    error is raised with its own traceback)."""
    assert _WORKER_RENDERER is not None, "a section worker is forked after its renderer is set"
    rendered: dict[str, str | None] = {}
    for job in jobs:
        try:
            rendered[job.key] = _WORKER_RENDERER.render(job)
        except Exception:  # noqa: BLE001 - see the docstring
            rendered[job.key] = None
    return rendered


@dataclass(frozen=True)
class Rendered:
    """What one build rendered: sections in all, and how many of them in a worker."""

    sections: int
    handed_off: int


class Sections:
    """The sections of one build: asked for early, rendered aside, collected when needed.

    Jobs go to the worker by ``BATCH``: each hand-over costs the main process a fraction of a
    millisecond (pickling, the pool's threads), more than a quiet post's section costs to render.
    """

    def __init__(self, renderer: SectionRenderer, inline_bytes: int | None = None) -> None:
        self.renderer = renderer
        self.inline_bytes = INLINE_STATE_BYTES if inline_bytes is None else inline_bytes
        self._inline_read = 0  # bytes of state rendered in place so far
        self._done: dict[str, str] = {}
        self._queued: list[SectionJob] = []  # for the worker, not handed over yet
        self._pending: dict[str, Future[dict[str, str | None]]] = {}
        self._pool: ProcessPoolExecutor | None = None
        self.handed_off = 0

    def request(self, job: SectionJob) -> None:
        """Start rendering the section of ``job``'s post (in a worker once past a few)."""
        if job.key in self._done or job.key in self._pending or job in self._queued:
            return
        pool = None
        if self._inline_read >= self.inline_bytes:
            pool = self._workers()
        if pool is None:
            self._inline_read += self.renderer.state_size(job.key)
            try:
                self._done[job.key] = self.renderer.render(job)
            except Exception:  # noqa: BLE001 - a post with broken metadata: reported by the checks
                return  # and rendered again, raising, if it is ever asked for
            return
        self._queued.append(job)
        if len(self._queued) >= BATCH:
            self._hand_over(pool)

    def html(self, job: SectionJob) -> Markup:
        """The section of ``job``'s post, rendered now if it was never asked for.

        A section that failed raises its error here.
        """
        if self._queued and self._pool is not None:
            self._hand_over(self._pool)  # the last, partial batch
        if job.key not in self._done:
            future = self._pending.pop(job.key, None)
            rendered = future.result().get(job.key) if future is not None else None
            self._done[job.key] = rendered if rendered is not None else self.renderer.render(job)
        return Markup(self._done[job.key])  # rendered by the autoescaping template: safe

    def close(self) -> Rendered:
        """Stop the worker; what was rendered. Sections not collected are dropped."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        total = len(self._done) + len(self._pending) + len(self._queued)
        return Rendered(total, self.handed_off)

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
