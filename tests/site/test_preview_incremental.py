"""``invoke livereload`` after a save: the saved post is rebuilt in place, the rest left as it is.

A real preview (``python -m syndication.site.preview --watch``) serves a small blog of its own
(``tests/content/fixture_blog.py``: two French posts, one translated); a post is edited while it
runs, and what the browser would get is read from the preview's own port.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "content"))
from fixture_blog import FIRST, ROOT, SECOND, write_blog, write_settings


@dataclass(frozen=True)
class Preview:
    """A running preview: its folder, its address and its process."""

    workspace: Path
    url: str
    process: subprocess.Popen[str]

    @property
    def output(self) -> Path:
        return self.workspace / "output-preview"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _get(url: str) -> str:
    """The page at ``url``, or "" while it does not answer 200."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return bytes(response.read()).decode("utf-8")
    except (urllib.error.URLError, OSError):
        return ""


def _until(check: Callable[[], bool], process: subprocess.Popen[str], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if check():
            return
        time.sleep(0.2)
    process.terminate()
    raise AssertionError(f"not seen within {seconds:.0f} s: {process.communicate()}")


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[Preview]:
    write_blog(tmp_path)
    # English names for the translation's category and tags, as a real blog has them: the plugin
    # renames them while the build runs, which must not read as a change of the site's structure.
    (tmp_path / "content" / "taxonomy.toml").write_text(
        '[categories]\n"Atelier" = "Workshop"\n\n[tags]\n"atelier" = "workshop"\n'
        '"entretien" = "maintenance"\n',
        encoding="utf-8",
    )
    write_settings(tmp_path)
    port = _free_port()
    command = [sys.executable, "-m", "syndication.site.preview", "-s", "settings.py"]
    command += ["-p", str(port), "--watch", "--cache", str(tmp_path / "preview-cache")]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AGORA_")}
    environment["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    running = Preview(tmp_path, f"http://127.0.0.1:{port}", process)
    try:
        _until(lambda: "Premier article" in _get(f"{running.url}/{FIRST}/"), process)
        yield running
    finally:
        process.terminate()
        process.communicate(timeout=30)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_saved_post_is_served_new_and_the_untouched_pages_are_not_written_again(
    preview: Preview,
) -> None:
    untouched = preview.output / SECOND / "index.html"
    before = untouched.stat().st_mtime_ns
    time.sleep(0.05)  # a page written again would get another time
    source = preview.workspace / "content" / "posts" / f"{FIRST}.md"
    _edit(source, "Title: Premier article", "Title: Premier article revu")
    _edit(source, "## Pourquoi", "## Pourquoi\n\nUne phrase toute neuve.")

    _until(lambda: "Une phrase toute neuve." in _get(f"{preview.url}/{FIRST}/"), preview.process)
    _until(lambda: "Premier article revu" in _get(f"{preview.url}/"), preview.process)
    assert untouched.stat().st_mtime_ns == before, "a post that did not change was written again"
    assert "Second article" in _get(f"{preview.url}/{SECOND}/")


def test_a_saved_translation_is_rebuilt_in_place_with_its_english_category(
    preview: Preview,
) -> None:
    untouched = preview.output / SECOND / "index.html"
    before = untouched.stat().st_mtime_ns
    time.sleep(0.05)
    source = preview.workspace / "content" / "posts" / f"{FIRST}-en.md"
    _edit(source, "## Pourquoi", "## Pourquoi\n\nA brand new sentence.")

    page = f"{preview.url}/en/{FIRST}/"
    _until(lambda: "A brand new sentence." in _get(page), preview.process)
    assert "Workshop" in _get(page)
    assert untouched.stat().st_mtime_ns == before, "the edit of a translation rebuilt everything"


def test_a_post_moved_to_another_category_is_listed_there(preview: Preview) -> None:
    """A category changed: other pages list it differently, so the whole site is built again."""
    source = preview.workspace / "content" / "posts" / f"{SECOND}.md"
    _edit(source, "Category: Communauté", "Category: Atelier")
    # The category it left has no post any more: the whole build removed its page.
    _until(lambda: _get(f"{preview.url}/categorie/communaute/") == "", preview.process)
    assert "Second article" in _get(f"{preview.url}/categorie/atelier/")


def test_an_image_added_to_a_saved_post_is_served_resized_on_its_page_and_stays_in_the_feed(
    preview: Preview,
) -> None:
    """The post's page shows its new image resized; the feed, written again for another post's
    save, still shows it resized (a rebuild reuses the unchanged posts' prepared images)."""
    posts = preview.workspace / "content" / "posts"
    figure = "![Une illustration neuve]({static}/images/posts/premier-article.jpg)"
    _edit(posts / f"{SECOND}.md", "## Pourquoi", f"{figure}\n\n## Pourquoi")
    page = f"{preview.url}/{SECOND}/"
    _until(lambda: 'alt="Une illustration neuve"' in _get(page), preview.process)
    shown = _get(page).split('alt="Une illustration neuve"')[0].rsplit("<picture>", 1)[-1]
    assert "/images/resized/premier-article-" in shown, "the new image is not served resized"

    _edit(posts / f"{FIRST}.md", "## Pourquoi", "## Pourquoi\n\nUne autre phrase neuve.")
    _until(lambda: "Une autre phrase neuve." in _get(f"{preview.url}/{FIRST}/"), preview.process)
    feed = f"{preview.url}/feeds/all.atom.xml"
    _until(lambda: "Une autre phrase neuve." in _get(feed), preview.process)
    entry = _get(feed).split("Une illustration neuve")[0].rsplit("&lt;picture&gt;", 1)[-1]
    assert "/images/resized/premier-article-" in entry, "the other post's image lost its sizes"
    assert "images/posts/premier-article.jpg" not in _get(feed)
