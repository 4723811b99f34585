"""Preview benchmark (issue 20): save one post, time until its new page is on disk.

It writes N synthetic posts (``bench/build.py``'s, default 4,000: half of them translated), then
starts, one after the other:

  (a) the project's preview, ``python -m syndication.site.preview --watch`` (what
      ``invoke livereload`` runs), with the project's settings, theme and plugin, and
  (b) plain Pelican's ``pelican --autoreload``, default theme (``notmyidea``), no plugins, its
      content cache on (``CACHE_CONTENT``, ``LOAD_CONTENT_CACHE``): the reference.

Each waits for its first build, then one French post after another (``--edits``, default 5) gets
a new sentence; the time from the save to the moment the post's page on disk holds that sentence
is measured, and the time to the end of that rebuild. The printed figures are the medians.
Target: the project's preview shows the page in under 5 s at 4,000 posts.

Usage: ``.venv/bin/python bench/preview.py [--posts 4000] [--edits 5] [--keep]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the project's packages, not only bench/
    sys.path.insert(0, str(ROOT))

from bench.build import SETTINGS, post_file, prepare_content  # noqa: E402

TARGET_SECONDS = 5.0
FIRST_BUILD_TIMEOUT = 1800.0  # seconds: a cold 4,000-post build on a busy machine
EDIT_TIMEOUT = 300.0
POLL = 0.05  # seconds between looks at the page


@dataclass(frozen=True)
class Timing:
    """One edit: seconds from the save to the new page on disk, and to the rebuild's end."""

    page: float
    done: float


@dataclass(frozen=True)
class Variant:
    """A watcher to measure: how to start it, where it writes, what it prints after a build."""

    name: str
    command: list[str]
    output: Path
    done_marker: str  # a line printed once per finished build


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _settings(work: Path, content: Path, *, plain: bool) -> Path:
    """A settings file: the project's, pointed at the generated content (and, plain, Pelican's
    default theme with no plugins and its content cache on)."""
    lines = [
        "import runpy",
        f"_project = runpy.run_path({str(SETTINGS)!r})",
        "globals().update({k: v for k, v in _project.items() if k.isupper()})",
        f"PATH = {str(content)!r}",
        f"THEME = {str(ROOT / 'theme')!r}",
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]",
        f"AGORA_STATE_PATH = {str(content / 'state')!r}",
        f"AGORA_MODERATION_FILE = {str(content / 'moderation.toml')!r}",
        f"AGORA_CARD_CACHE = {str(work / 'card-cache')!r}",
        f"AGORA_IMAGE_CACHE = {str(work / 'image-cache')!r}",
    ]
    if plain:
        lines += [
            'THEME = "notmyidea"',
            "PLUGINS = []",
            "CACHE_CONTENT = True",
            "LOAD_CONTENT_CACHE = True",
            f"CACHE_PATH = {str(work / 'cache-plain')!r}",
            f"OUTPUT_PATH = {str(work / 'output-plain')!r}",
            'SITEURL = FEED_DOMAIN = "http://localhost:8000"',
        ]
    # Not "agora.py": run from this folder, it would hide the plugin of that name.
    path = work / ("settings_plain.py" if plain else "settings_agora.py")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _wait_for(
    log: Path, marker: str, count: int, child: subprocess.Popen[bytes], timeout: float
) -> None:
    """Until ``marker`` appears ``count`` times in ``log`` (a build finished that many times)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.read_text(encoding="utf-8", errors="replace").count(marker) >= count:
            return
        if child.poll() is not None:
            raise SystemExit(f"the watcher stopped (exit {child.returncode}); log {log}")
        time.sleep(POLL)
    raise SystemExit(f"no {marker!r} after {timeout:.0f} s; log {log}")


def _page(output: Path, slug: str) -> Path:
    return output / slug / "index.html"  # ARTICLE_SAVE_AS of pelicanconf.py


def run_variant(variant: Variant, content: Path, edits: list[str], work: Path) -> list[Timing]:
    """Start the watcher, wait for its first build, time each edit; stop it."""
    log = work / f"{variant.name}.log"
    environment = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    timings = []
    with log.open("wb") as stream:
        started = time.perf_counter()
        child = subprocess.Popen(
            variant.command, cwd=work, env=environment, stdout=stream, stderr=subprocess.STDOUT
        )
    try:
        _wait_for(log, variant.done_marker, 1, child, FIRST_BUILD_TIMEOUT)
        print(f"  {variant.name:7} first build {time.perf_counter() - started:7.1f} s")
        for number, slug in enumerate(edits, start=1):
            time.sleep(1.0)  # a writer saves a while after the last build, not at once
            mark = f"Ajout {variant.name} {number} {time.time_ns()}."
            source = content / "posts" / post_file(slug, "fr")
            text = source.read_text(encoding="utf-8")
            saved = time.perf_counter()
            source.write_text(text + f"\n{mark}\n", encoding="utf-8")
            page = _page(variant.output, slug)
            deadline = time.monotonic() + EDIT_TIMEOUT
            while True:
                try:
                    if mark in page.read_text(encoding="utf-8"):
                        break
                except FileNotFoundError:
                    pass  # between a folder's swap and the next
                if time.monotonic() > deadline:
                    raise SystemExit(f"{page} never showed the edit; log {log}")
                time.sleep(POLL)
            shown = time.perf_counter() - saved
            _wait_for(log, variant.done_marker, number + 1, child, EDIT_TIMEOUT)
            timing = Timing(page=shown, done=time.perf_counter() - saved)
            timings.append(timing)
            print(
                f"  {variant.name:7} edit {number}: page {timing.page:6.2f} s,"
                f" done {timing.done:6.2f} s"
            )
    finally:
        child.terminate()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return timings


def variants(work: Path, content: Path) -> list[Variant]:
    """The project's preview and plain Pelican's autoreload, on this content."""
    agora = _settings(work, content, plain=False)
    plain = _settings(work, content, plain=True)
    return [
        Variant(
            name="agora",
            command=[
                sys.executable,
                "-m",
                "syndication.site.preview",
                "-s",
                str(agora),
                "-o",
                str(work / "output-preview"),
                "--cache",
                str(work / "cache-preview"),
                "-p",
                str(_free_port()),
                "--watch",
            ],
            output=work / "output-preview",
            done_marker="uilt ",  # "Built the preview ..." and "Rebuilt the pages ..."
        ),
        Variant(
            name="plain",
            command=[
                str(Path(sys.executable).with_name("pelican")),
                "--autoreload",
                "-s",
                str(plain),
            ],
            output=work / "output-plain",
            done_marker="Done: Processed",
        ),
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=4000, help="posts generated (default 4000)")
    parser.add_argument("--edits", type=int, default=5, help="posts edited, one by one")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="agora-bench-preview-"))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Preview benchmark in {work}; {os.cpu_count()} CPUs, load average {load}")
    content = work / "content"
    try:
        articles = prepare_content(content, args.posts, 0)
        print(f"{args.posts} posts ({articles} articles)")
        # French posts spread over the archive, the newest first (the index's first page).
        step = max(1, args.posts // max(1, args.edits))
        edits = [f"billet-{index:05d}" for index in range(args.posts - 1, -1, -step)][: args.edits]
        results = {v.name: run_variant(v, content, edits, work) for v in variants(work, content)}
    finally:
        if args.keep:
            print(f"Kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nTarget: the new page on disk in under {TARGET_SECONDS:.0f} s (agora)\n")
    print(
        f"{'posts':>6} {'variant':>8} {'page s':>8} {'done s':>8}  (medians of {args.edits} edits)"
    )
    for name, timings in results.items():
        page = statistics.median(t.page for t in timings)
        done = statistics.median(t.done for t in timings)
        verdict = ("met" if page < TARGET_SECONDS else "MISSED") if name == "agora" else "reference"
        print(f"{args.posts:>6} {name:>8} {page:>8.2f} {done:>8.2f}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
