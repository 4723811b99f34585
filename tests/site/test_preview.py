"""``invoke serve`` and ``invoke livereload``: a preview on any port, in its own folder.

Real servers on loopback: the preview command builds a small blog of its own (not the sample
posts) for the port it is given, and every link, font and feed of its pages answers on that port;
a busy port (bound here first) is one sentence and a non-zero exit; ``output/`` is never touched.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from site_build import AUTHORS, ROOT, write_photos, write_settings_file

POST = """Title: {title}
Date: 2025-03-0{day} 10:00
Category: Atelier
Tags: atelier
Author: {author}
Slug: {slug}
Summary: Une phrase.

## Pourquoi

Un texte court qui renvoie vers [l'autre article]({{filename}}/posts/{other}.md).
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _workspace(root: Path) -> Path:
    """Two posts by one of the fixture's authors, with the project's settings pointed here."""
    author = next(iter(AUTHORS))
    posts = root / "content" / "posts"
    posts.mkdir(parents=True)
    for day, (slug, other) in enumerate([("velo", "hiver"), ("hiver", "velo")], start=1):
        text = POST.format(title=slug.capitalize(), day=day, author=author, slug=slug, other=other)
        (posts / f"{slug}.md").write_text(text, encoding="utf-8")
    (root / "content" / "state" / "posts").mkdir(parents=True)
    (root / "content" / "moderation.toml").write_text(
        "blocked_accounts = []\nblocked_domains = []\nhidden_items = []\n", encoding="utf-8"
    )
    # The settings name each author's photo: the fixture draws them.
    write_photos(root / "content")
    write_settings_file(root)
    # What a publish or the demo left: a preview must not replace it.
    (root / "output").mkdir()
    (root / "output" / "index.html").write_text("deployed", encoding="utf-8")
    return root


def _environment() -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AGORA_")}
    environment["PYTHONPATH"] = str(ROOT)
    return environment


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return error.code, b""


def _wait_for(url: str, process: subprocess.Popen[str], seconds: float = 120) -> bytes:
    """The body of ``url`` once the preview answers it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            status, body = _get(url)
        except OSError:
            status, body = 0, b""
        if status == 200:
            return body
        time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


def _start(workspace: Path, port: int, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "syndication.site.preview", "-s", "settings.py"]
    return subprocess.Popen(
        [*command, "-p", str(port), *extra],
        cwd=workspace,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[tuple[Path, int, subprocess.Popen[str]]]:
    workspace = _workspace(tmp_path)
    port = _free_port()
    process = _start(workspace, port, "--watch")
    try:
        yield workspace, port, process
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_the_preview_links_fonts_and_feeds_answer_on_its_port(
    preview: tuple[Path, int, subprocess.Popen[str]],
) -> None:
    workspace, port, process = preview
    here = f"http://localhost:{port}"
    page = _wait_for(f"http://127.0.0.1:{port}/velo/", process).decode()
    assert "localhost:8000" not in page
    # Every link and image of the page on the preview's own host, as the browser resolves them
    # (absolute, or from the host's root).
    resolved = [urljoin(f"{here}/velo/", v) for v in re.findall(r'(?:href|src)="([^"#]*)', page)]
    addresses = {urlsplit(url).path for url in resolved if url.startswith(f"{here}/")}
    # The stylesheet's own font files, as @font-face names them relative to the stylesheet.
    sheets = [
        urljoin(f"{here}/velo/", sheet)
        for sheet in re.findall(r'<link rel="stylesheet" href="([^"]+\.css)"', page)
    ]
    assert len(sheets) == 1, sheets
    _, style = _get(sheets[0].replace(here, f"http://127.0.0.1:{port}"))
    found = re.findall(r"url\(['\"]?([^)'\"]+)", style.decode())
    faces = {urlsplit(urljoin(sheets[0], face)).path for face in found}
    assert len(faces) >= 2, faces
    addresses |= faces
    fonts = [a for a in addresses if a.endswith(".woff2")]
    assert fonts and "/hiver/" in addresses and "/" in addresses, addresses
    assert any("feeds/" in a for a in addresses), addresses
    for address in sorted(addresses):
        status, _ = _get(f"http://127.0.0.1:{port}{address}")
        assert status == 200, address
    status, _ = _get(f"http://127.0.0.1:{port}/no-such-post/")
    assert status == 404
    _, feed = _get(f"http://127.0.0.1:{port}/feeds/all.atom.xml")
    assert f"{here}/velo/".encode() in feed
    assert (workspace / "output-preview" / "velo" / "index.html").is_file()
    assert (workspace / "output" / "index.html").read_text(encoding="utf-8") == "deployed"


def test_livereload_rebuilds_the_preview_when_a_post_changes(
    preview: tuple[Path, int, subprocess.Popen[str]],
) -> None:
    workspace, port, process = preview
    url = f"http://127.0.0.1:{port}/velo/"
    assert "Vélo d" not in _wait_for(url, process).decode()
    source = workspace / "content" / "posts" / "velo.md"
    source.write_text(
        source.read_text(encoding="utf-8").replace("Title: Velo", "Title: Vélo d'hiver"),
        encoding="utf-8",
    )
    deadline = time.monotonic() + 90
    while "Vélo d" not in _get(url)[1].decode():
        assert time.monotonic() < deadline, "the preview was not rebuilt"
        time.sleep(0.5)
    assert (workspace / "output" / "index.html").read_text(encoding="utf-8") == "deployed"


@pytest.mark.parametrize("task", ["serve", "livereload"])
def test_a_busy_port_is_one_sentence_and_a_failure(task: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "invoke", task, "--port", str(port)],
            cwd=ROOT,
            env=_environment(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert lines == [
        f"The preview did not start: port {port} is busy: another program listens on it; "
        f"stop it or choose another port, e.g. --port {port + 1}."
    ]
    assert time.monotonic() - started < 60  # said before any build, not after


def test_a_preview_that_cannot_build_fails_with_its_line(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    (workspace / "content" / "posts" / "velo.md").write_text(
        "Title: Sans date\n\nCorps.\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "syndication.site.preview", "-s", "settings.py", "-p", "0"],
        cwd=workspace,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "0 is not a port number" in result.stderr
    port = str(_free_port())
    result = subprocess.run(
        [sys.executable, "-m", "syndication.site.preview", "-s", "settings.py", "-p", port],
        cwd=workspace,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "velo.md: no date" in result.stderr
    assert (workspace / "output" / "index.html").read_text(encoding="utf-8") == "deployed"
