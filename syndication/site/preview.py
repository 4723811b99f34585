"""Preview the site on a port of this machine: ``python -m syndication.site.preview -p 8001``.

``invoke serve`` and ``invoke livereload`` run this. A preview:

- is built into its own folder (``output-preview/``), never into ``output/``, which ``invoke
  publish`` deploys and ``make demo`` serves;
- has ``SITEURL`` and ``FEED_DOMAIN`` at ``http://localhost:PORT``, so its links, fonts and feeds
  work on the port it is served on;
- claims its port before building: a busy port is one sentence and exit status 1 (Pelican's own
  ``--listen`` logs CRITICAL and exits 0);
- with ``--watch``, is rebuilt when the content, the theme or the settings change (their files'
  times and sizes, read every half second against a fingerprint taken before the site is served,
  so an edit saved the moment the page first answers is not missed, as it could be by a watcher
  started after serving); a rebuild that fails says why in one line and the
  previous site stays served.

Cost follows change (issue 20): the preview keeps Pelican's content cache (``--cache`` names it;
production builds stay without one), in its own memory between rebuilds (``kept``), so an
unchanged post is not parsed again,
https://docs.getpelican.com/en/latest/settings.html#reading-only-modified-content.
A post edited in place (or its state file) is rebuilt *in place*: only its page, its translations'
pages, the listing pages it is listed on and the feeds and archives that list it are rendered
and written (``SelectiveWriter``; Pelican 4.12 no longer has ``WRITE_SELECTED``), and the plugin
skips the conversation section of every other post (``is_selected``). The other pages stay as
the previous build wrote them. When the edit changes the site's structure (a date, a category, a
tag, an author, a slug, a language, a status: what other pages show or where they are), or
anything else changed (a post added or removed, the theme, the settings, an image, the
moderation file), the whole site is built again, all or nothing, as the first time.

The requests are answered by Pelican's development handler
(``pelican.server.ComplexHTTPRequestHandler``: ``/post/`` finds ``post/index.html``, web fonts get
their type) in a threading server from the standard library, so a browser's parallel requests do
not wait for each other. https://docs.python.org/3/library/http.server.html
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from syndication.site.build import BuildFailed, build
from syndication.site.kept import forget, kept_in_memory

WATCH_SECONDS = 0.5  # how often the preview looks for a change

HOST = "127.0.0.1"
DEFAULT_OUTPUT = "output-preview"
DEFAULT_CACHE = "cache/preview"  # the preview's content cache: never the production build's
# The setting that tells the plugin and the writer what a rebuild is for (a ``Selection``).
SELECTION_SETTING = "AGORA_PREVIEW_SELECTION"
# Files Pelican reads as posts or pages (its Markdown, reStructuredText and HTML readers).
CONTENT_SUFFIXES = frozenset({".md", ".markdown", ".mkd", ".mdown", ".rst", ".html", ".htm"})

Fingerprint = frozenset[tuple[str, int, int]]


class PortUnavailable(Exception):
    """The port cannot be listened on; the message is the one sentence shown."""


class _Server(ThreadingHTTPServer):
    # A preview restarted at once finds its port in TIME_WAIT: that is not "busy". Linux still
    # refuses a port another program listens on.
    allow_reuse_address = True
    daemon_threads = True


def site_url(port: int) -> str:
    """The address the preview's pages link to."""
    return f"http://localhost:{port}"


def _handler(folder: Path) -> type[BaseHTTPRequestHandler]:
    """Pelican's development handler serving ``folder``, answering 404 for a missing page.

    Pelican's own closes the connection without an answer (a browser shows a network error) and
    logs several lines; here the site's own 404 page is answered, as the real host would.
    """
    from pelican.server import ComplexHTTPRequestHandler

    class PreviewHandler(ComplexHTTPRequestHandler):  # type: ignore[misc]  # Pelican: untyped
        base_path = str(folder)
        path: str  # the request's, set by the standard handler

        def do_GET(self) -> None:
            """The file, ``.html`` page or ``/index.html`` the path names, or the 404 page."""
            wanted = self.path.split("?", 1)[0]
            trailing = wanted.endswith("/")
            for suffix in self.SUFFIXES:
                if suffix == "/" and not trailing:
                    continue  # the standard handler redirects /post to /post/ itself
                candidate = wanted.rstrip("/") + suffix
                if os.path.exists(self.translate_path(candidate)):
                    self.path = candidate
                    SimpleHTTPRequestHandler.do_GET(self)
                    return
            page = folder / "404.html"
            body = page.read_bytes() if page.is_file() else b"Not found"
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: a preview's requests are not news."""

    return PreviewHandler


def open_server(folder: Path, port: int, host: str = HOST) -> ThreadingHTTPServer:
    """A server of ``folder`` bound to ``host:port`` (not serving yet); PortUnavailable if not."""
    if not 0 < port < 65536:
        raise PortUnavailable(f"{port} is not a port number; choose one from 1024 to 65535.")
    try:
        # A handler class of its own: Pelican's RootedHTTPServer sets base_path on a shared class.
        return _Server((host, port), _handler(folder))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise PortUnavailable(
                f"port {port} is busy: another program listens on it; stop it or choose another "
                f"port, e.g. --port {port + 1 if port < 65535 else 8001}."
            ) from None
        raise PortUnavailable(
            f"cannot listen on {host}:{port} ({error.strerror or error}); choose another port "
            "from 1024 to 65535 with --port."
        ) from None


# -- what a rebuild writes ---------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """The posts a rebuild is for: edited in place (absolute source paths) or with a new state."""

    sources: frozenset[str]
    state_keys: frozenset[str] = frozenset()  # ``slug.lang``, the state files' names

    def touches(self, content: Any) -> bool:
        """Whether ``content`` itself (a post or a page) is one the rebuild is for."""
        # Pelican's source paths are absolute and normalised already, as the watcher's are.
        if getattr(content, "source_path", None) in self.sources:
            return True
        if not self.state_keys:
            return False  # a saved post: the common case, asked for every post of every listing
        key = f"{getattr(content, 'slug', '')}.{getattr(content, 'lang', '')}"
        return key in self.state_keys


def is_partial(settings: Any) -> bool:
    """Whether this build is a preview's rebuild of a few posts, not a whole build: what is not
    selected keeps the files the previous build wrote."""
    return isinstance(settings.get(SELECTION_SETTING) if settings else None, Selection)


def is_selected(content: Any, settings: Any) -> bool:
    """Whether this build writes ``content``'s page: always, but in a preview's rebuild of a few.

    In that rebuild, a post is written when it or one of its translations changed (a
    translation's page links to the others by their titles).
    """
    if not is_partial(settings):
        return True
    selection = settings[SELECTION_SETTING]
    if selection.touches(content):
        return True
    translations = getattr(content, "translations", None)
    if not translations:
        return False
    return any(selection.touches(other) for other in translations)


def _wanted(localcontext: dict[str, Any], settings: Any) -> bool:
    """Whether a page about to be rendered shows something the rebuild is for.

    A post's or a page's own page: that post. A listing page (index, category, tag, author):
    the posts on that page of it. Any other page (archives, the English index, the lists of
    tags): the posts it is given. A page that lists no post (the 404 page) stays as it was.
    """
    from pelican.contents import Content

    for key in ("article", "page"):
        item = localcontext.get(key)
        if isinstance(item, Content):
            return is_selected(item, settings)
    page = localcontext.get("articles_page")
    if page is not None:
        return any(is_selected(item, settings) for item in page.object_list)
    items = localcontext.get("dates") or localcontext.get("articles") or ()
    return any(is_selected(item, settings) for item in items)


def selective_writer() -> type[Any]:
    """Pelican's ``Writer``, rendering and writing only the pages and feeds ``_wanted``.

    Pelican renders in ``write_file`` (once per page of a paginated listing) and opens the file
    right after; the template handed over decides, and a page not wanted is neither rendered nor
    written (its file, from the previous build, stays). https://docs.getpelican.com/en/latest/
    plugins.html#how-to-create-a-new-writer (the ``get_writer`` signal, the same class).
    """
    from pelican.contents import Content
    from pelican.writers import Writer

    class SelectiveWriter(Writer):  # type: ignore[misc]  # Pelican: untyped
        skipped = 0
        _skip = False

        def write_file(self, name: Any, template: Any, context: Any, *args: Any, **kw: Any) -> Any:
            """Pelican's, with a template that renders only what is wanted.

            A post's or page's own page not wanted is skipped at once (6,000 calls at 4,000
            posts, each otherwise paying for Pelican's output path and an empty write).
            """
            for key in ("article", "page"):
                item = kw.get(key)
                if isinstance(item, Content) and not is_selected(item, self.settings):
                    self.skipped += 1
                    return None
            return super().write_file(name, _Chooser(template, self), context, *args, **kw)

        def write_feed(self, elements: Any, context: Any, *args: Any, **kw: Any) -> Any:
            """Pelican's, for a feed whose first items hold a post the rebuild is for."""
            limit = self.settings.get("FEED_MAX_ITEMS") or len(elements)
            if not any(is_selected(item, self.settings) for item in elements[:limit]):
                self.skipped += 1
                return None
            return super().write_feed(elements, context, *args, **kw)

        def _open_w(self, filename: str, encoding: str, override: bool = False) -> Any:
            if self._skip:
                self._skip = False
                return open(os.devnull, "w", encoding=encoding)
            return super()._open_w(filename, encoding, override)

    class _Chooser:
        """A template that renders a page only if wanted, and otherwise tells the writer."""

        def __init__(self, template: Any, writer: SelectiveWriter) -> None:
            self.template, self.writer = template, writer

        def render(self, localcontext: dict[str, Any]) -> str:
            if _wanted(localcontext, self.writer.settings):
                return str(self.template.render(localcontext))
            self.writer.skipped += 1
            self.writer._skip = True
            return ""

    return SelectiveWriter


def _structure(generators: Sequence[Any]) -> tuple[Any, ...]:
    """What decides which pages exist, where, and what every page lists, but titles and texts.

    Two builds with the same structure write the same files with the same lists: a rebuild may
    then write only the pages of what changed.
    """
    rows = []
    for generator in generators:
        for name in (
            "articles", "translations", "hidden_articles", "hidden_translations", "drafts",
            "drafts_translations", "pages", "hidden_pages", "draft_pages",
        ):  # fmt: skip
            for item in getattr(generator, name, ()) or ():
                rows.append(
                    (
                        name,
                        str(getattr(item, "source_path", "")),
                        # Where it is written and linked: from these and the settings (a
                        # settings change builds everything), or its own Save_as and URL.
                        str(getattr(item, "slug", "")),
                        str(item.metadata.get("save_as", "")),
                        str(item.metadata.get("url", "")),
                        str(getattr(item, "lang", "")),
                        str(getattr(item, "status", "")),
                        str(getattr(item, "date", "")),
                        str(getattr(item, "modified", "")),  # the sitemap says it
                        # As read, from the metadata: the plugin gives English posts English
                        # names in a receiver of the same signal, before or after this one.
                        str(item.metadata.get("category", "")),
                        tuple(str(tag) for tag in item.metadata.get("tags", ()) or ()),
                        tuple(str(author) for author in getattr(item, "authors", ()) or ()),
                        tuple(
                            sorted(str(t.source_path) for t in getattr(item, "translations", ()))
                        ),
                    )
                )
    return tuple(rows)


class _StructureRecorder:
    """Records the structure of the build under way (Pelican's ``all_generators_finalized``)."""

    def __init__(self) -> None:
        self.structure: tuple[Any, ...] | None = None

    def __call__(self, generators: Sequence[Any]) -> None:
        self.structure = _structure(generators)

    def __enter__(self) -> _StructureRecorder:
        from pelican import signals

        signals.all_generators_finalized.connect(self, weak=False)
        return self

    def __exit__(self, *exc: object) -> None:
        from pelican import signals

        signals.all_generators_finalized.disconnect(self)


@dataclass(frozen=True)
class Change:
    """What changed between two looks at the watched files, as a rebuild sees it."""

    selection: Selection | None  # None: the whole site must be built again
    fresh_cache: bool = False  # the settings changed: every post is read again


def classify(
    before: Fingerprint, after: Fingerprint, settings_file: Path, content: Path, state: Path
) -> Change:
    """Whether the change can be rebuilt in place, and for which posts.

    In place: posts or pages edited (not added, not removed) and state files changed. Anything
    else (a new post, a theme, an image, the moderation file) builds everything again.
    """
    old = {path: (mtime, size) for path, mtime, size in before}
    new = {path: (mtime, size) for path, mtime, size in after}
    changed = {path for path in old.keys() | new.keys() if old.get(path) != new.get(path)}
    settings_path = os.path.abspath(settings_file)
    if any(os.path.abspath(path) == settings_path for path in changed):
        return Change(selection=None, fresh_cache=True)
    sources: set[str] = set()
    keys: set[str] = set()
    state_root = os.path.abspath(state) + os.sep
    content_root = os.path.abspath(content) + os.sep
    for path in changed:
        absolute = os.path.abspath(path)
        name = os.path.basename(absolute)
        if absolute.startswith(state_root) and name.endswith(".json") and path in new:
            keys.add(name.removesuffix(".json"))
        elif (
            absolute.startswith(content_root)
            and os.path.splitext(name)[1].lower() in CONTENT_SUFFIXES
            and path in old
            and path in new
        ):
            sources.add(absolute)
        else:
            return Change(selection=None)
    return Change(selection=Selection(frozenset(sources), frozenset(keys)))


# -- building --------------------------------------------------------------------------------


class Previewer:
    """Builds one preview, the first time whole, then as much as each change needs."""

    def __init__(self, settings_file: Path, output: Path, port: int, cache: Path) -> None:
        self.settings_file, self.output, self.port, self.cache = settings_file, output, port, cache
        self.structure: tuple[Any, ...] | None = None  # the last whole build's
        self.say: Callable[[str], None] = lambda line: print(line, flush=True)

    def overrides(self, *, load_cache: bool) -> dict[str, Any]:
        """The preview's own settings: its address, and Pelican's content cache in its folder.

        The cache keeps what Pelican's readers made of each post (``reader`` layer: the posts are
        still made anew each build, so every plugin signal runs for them as in production).
        """
        url = site_url(self.port)
        return {
            "SITEURL": url,
            "FEED_DOMAIN": url,
            "CACHE_CONTENT": True,
            "LOAD_CONTENT_CACHE": load_cache,
            "CONTENT_CACHING_LAYER": "reader",
            "CACHE_PATH": str(self.cache),
            # An image copied by the previous build is not copied again.
            "STATIC_CHECK_IF_MODIFIED": True,
        }

    def build_all(self, *, load_cache: bool = True) -> bool:
        """Build the whole preview, all or nothing; False (said in one line) when it failed."""
        recorder = _StructureRecorder()
        if not load_cache:
            forget()
        try:
            with recorder, kept_in_memory():
                seconds = build(
                    self.settings_file, self.output, overrides=self.overrides(load_cache=load_cache)
                )
        except BuildFailed as failure:
            print(str(failure), file=sys.stderr, flush=True)
            return False
        self.structure = recorder.structure
        self.say(f"Built the preview into {self.output} in {seconds:.1f} s.")
        return True

    def rebuild(self, change: Change) -> bool:
        """Rebuild after ``change``: in place when it allows, else whole; False if it failed."""
        if change.selection is None or self.structure is None:
            return self.build_all(load_cache=not change.fresh_cache)
        recorder = _StructureRecorder()
        writer = selective_writer()
        overrides = {**self.overrides(load_cache=True), SELECTION_SETTING: change.selection}
        try:
            with recorder, kept_in_memory():
                seconds = build(
                    self.settings_file, self.output, overrides=overrides, in_place=True,
                    writer=writer,
                )  # fmt: skip
        except BuildFailed as failure:
            print(str(failure), file=sys.stderr, flush=True)
            return False
        if recorder.structure != self.structure:
            # A date, a tag, a slug...: other pages list or link it differently.
            self.say("The change moves the post on other pages; building everything again.")
            return self.build_all()
        self.say(f"Rebuilt the pages of the change in {seconds:.1f} s.")
        return True


def _watched(settings_file: Path) -> list[Path]:
    """What a change of rebuilds the preview: the settings file, the content and the theme."""
    from pelican.settings import read_settings

    settings: Any = read_settings(str(settings_file))
    return [settings_file, Path(str(settings["PATH"])), Path(str(settings["THEME"]))]


def _content_and_state(settings_file: Path) -> tuple[Path, Path]:
    """The content folder and the state folder the settings name."""
    from pelican.settings import read_settings

    settings: Any = read_settings(str(settings_file))
    state = Path(str(settings.get("AGORA_STATE_PATH") or "content/state"))
    return Path(str(settings["PATH"])), state


def fingerprint(paths: Sequence[Path]) -> Fingerprint:
    """Every file under ``paths`` with its modification time and size (hidden ones left out)."""
    found: set[tuple[str, int, int]] = set()
    for top in paths:
        if top.is_file():
            info = top.stat()
            found.add((str(top), info.st_mtime_ns, info.st_size))
            continue
        for folder, names, files in os.walk(top):
            names[:] = [name for name in names if not name.startswith(".")]
            for name in files:
                if name.startswith("."):
                    continue
                path = os.path.join(folder, name)
                try:
                    info = os.stat(path)
                except FileNotFoundError:  # removed while walking: the next look sees it
                    continue
                found.add((path, info.st_mtime_ns, info.st_size))
    return frozenset(found)


def _names(paths: Iterable[str]) -> str:
    return ", ".join(sorted({Path(path).name for path in paths}))


def _watch(previewer: Previewer, seen: Fingerprint, built: bool) -> None:
    """Rebuild whenever the content, theme or settings change, until interrupted.

    After a failed rebuild, the next change builds everything: what the failed one was for is
    not known to be written.
    """
    settings_file = previewer.settings_file
    while True:
        time.sleep(WATCH_SECONDS)
        now = fingerprint(_watched(settings_file))
        if now == seen:
            continue
        print(f"Changed: {_names(path for path, *_ in now ^ seen)}; rebuilding.", flush=True)
        try:
            content, state = _content_and_state(settings_file)
            change = classify(seen, now, settings_file, content, state)
        except Exception:  # noqa: BLE001 - a broken settings file: the whole build says why
            change = Change(selection=None, fresh_cache=True)
        if not built:
            change = Change(selection=None, fresh_cache=change.fresh_cache)
        seen = now
        built = previewer.rebuild(change)


def serve(
    settings_file: Path,
    output: Path,
    port: int,
    *,
    watch: bool = False,
    cache: Path = Path(DEFAULT_CACHE),
) -> int:
    """Claim the port, build the preview, serve it (and rebuild on change); the exit status."""
    try:
        server = open_server(output, port)
    except PortUnavailable as problem:
        print(f"The preview did not start: {problem}", file=sys.stderr, flush=True)
        return 1
    with server:
        # Taken before the build and the serving: an edit made from then on is rebuilt.
        seen = fingerprint(_watched(settings_file)) if watch else frozenset()
        previewer = Previewer(settings_file, output, port, cache)
        # The first build reads every post: a cache left by an older settings file would lie.
        built = previewer.build_all(load_cache=False)
        if not built and not watch:
            return 1
        print(f"Serving the preview at {site_url(port)}/ (Ctrl-C to stop).", flush=True)
        thread = threading.Thread(target=server.serve_forever, name="preview", daemon=True)
        thread.start()
        try:
            if watch:
                _watch(previewer, seen, built)
            else:
                thread.join()
        except KeyboardInterrupt:
            print("Stopped.", flush=True)
        finally:
            server.shutdown()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and serve; the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m syndication.site.preview",
        description="Build the site for a local port into its own folder and serve it.",
    )
    parser.add_argument("-s", "--settings", default="pelicanconf.py", help="Pelican settings file")
    parser.add_argument("-o", "--output", default=DEFAULT_OUTPUT, help="the preview's own folder")
    parser.add_argument("-p", "--port", type=int, default=8000, help="port on 127.0.0.1")
    parser.add_argument("--watch", action="store_true", help="rebuild when anything changes")
    parser.add_argument(
        "--cache", default=DEFAULT_CACHE, help="the preview's content cache (never production's)"
    )
    args = parser.parse_args(argv)
    settings_file = Path(args.settings)
    if not settings_file.is_file():
        print(f"{settings_file}: no such settings file.", file=sys.stderr)
        return 1
    return serve(
        settings_file, Path(args.output), args.port, watch=args.watch, cache=Path(args.cache)
    )


if __name__ == "__main__":
    sys.exit(main())
