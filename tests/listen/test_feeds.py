"""`invoke listen` over feeds written by real generators and served by a real web server.

Pelican writes the Atom and RSS feeds of a small site built here; ``feedgen`` (PyPI) writes two
more, one of which carries the same article as Pelican's with tracking parameters. nginx serves
them with ``ETag`` and ``Last-Modified``. The listening command reads them: the first run finds
each article once, the next costs one ``304`` per feed and writes nothing, a changed feed alone is
read again; 50 unchanged feeds cost 50 conditional requests; failing sources each give one line
and the others go on, and a source failing three runs in a row is reported as broken.
"""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from feedgen.feed import FeedGenerator
from listen_support import ListeningSite, Nginx

from syndication.cli.listen import run
from syndication.listen import feeds
from syndication.listen.store import ListenStore

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TERMS = """\
[terms]
us = ["Vélos Boréal"]
competitors = ["Cycles Nordet"]
industry = ["vélo cargo"]
"""

ARTICLES = {
    "salon.md": (
        "Title: Les Vélos Boréal au salon\nDate: 2026-11-28 10:00\nSlug: salon\n\n"
        "Venez nous voir au salon : l'équipe de Vélos Boréal y sera.\n"
    ),
    "tranquille.md": (
        "Title: Une journée tranquille\nDate: 2026-11-29 10:00\nSlug: tranquille\n\n"
        "Rien à signaler aujourd'hui.\n"
    ),
}


def build_pelican_site(folder: Path, siteurl: str) -> None:
    """A second Pelican site (not the sample one) with its Atom and RSS feeds."""
    content = folder / "content"
    content.mkdir(parents=True)
    for name, text in ARTICLES.items():
        (content / name).write_text(text, encoding="utf-8")
    override = {
        "PATH": str(content),
        "OUTPUT_PATH": str(folder / "output"),
        "SITEURL": siteurl,
        "FEED_DOMAIN": siteurl,
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
        "FEED_ALL_RSS": "feeds/all.rss.xml",
        "TIMEZONE": "UTC",
        "DEFAULT_LANG": "fr",
        "PLUGINS": [],
        "CACHE_CONTENT": False,
        "LOAD_CONTENT_CACHE": False,
        "ARTICLE_URL": "{slug}/",
        "ARTICLE_SAVE_AS": "{slug}/index.html",
    }
    # In a process of its own: Pelican's signals are global, so a plugin an earlier test built
    # with (Agora's own) would still act on this plain site in the suite's process.
    subprocess.run(
        [sys.executable, "-c", BUILD_SCRIPT, json.dumps(override)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )


BUILD_SCRIPT = """
import json, sys
from pelican import Pelican
from pelican.settings import read_settings
Pelican(read_settings(override=json.loads(sys.argv[1]))).run()
"""


def feedgen_feed(server: Nginx, entries: list[tuple[str, str, datetime]]) -> FeedGenerator:
    """A feed by feedgen of ``(title, link, date)`` entries."""
    feed = FeedGenerator()
    feed.id(server.url("/feedgen/"))
    feed.title("Revue de presse")
    feed.link(href=server.url("/feedgen/"), rel="alternate")
    feed.description("Ce qui se dit du vélo")
    feed.language("fr")
    for title, link, date in entries:
        entry = feed.add_entry()
        entry.id(link)
        entry.title(title)
        entry.link(href=link)
        entry.description(f"{title}, lu ailleurs.")
        entry.published(date)
        entry.updated(date)
    return feed


def write_feedgen(server: Nginx, entries: list[tuple[str, str, datetime]]) -> None:
    feed = feedgen_feed(server, entries)
    folder = server.www / "feedgen"
    folder.mkdir(exist_ok=True)
    feed.atom_file(str(folder / "atom.xml"))
    feed.rss_file(str(folder / "rss.xml"))


def listen(site: ListeningSite) -> tuple[int, str]:
    out = io.StringIO()
    code = run(site.settings, env={}, stdout=out, now=NOW)
    return code, out.getvalue()


def feeds_toml(server: Nginx, paths: dict[str, str]) -> str:
    return TERMS + "".join(
        f'\n[[feeds]]\nlabel = "{label}"\nurl = "{server.url(path)}"\n'
        for label, path in paths.items()
    )


def test_generators_feeds_are_read_once_then_cost_a_304_each(
    nginx: Nginx, site: ListeningSite
) -> None:
    build_pelican_site(nginx.home / "pelican", nginx.url("/pelican"))
    (nginx.www / "pelican").symlink_to(nginx.home / "pelican" / "output")
    article = nginx.url("/pelican/salon/")
    write_feedgen(
        nginx,
        [
            # The same article as Pelican's, reached with tracking parameters.
            (
                "Vélos Boréal au salon (repris)",
                f"{article}?utm_source=revue&utm_medium=rss",
                NOW - timedelta(days=2),
            ),
            ("Le vélo cargo gagne du terrain", "https://journal.example/cargo", NOW),
        ],
    )
    paths = {
        "Pelican Atom": "/pelican/feeds/all.atom.xml",
        "Pelican RSS": "/pelican/feeds/all.rss.xml",
        "feedgen Atom": "/feedgen/atom.xml",
        "feedgen RSS": "/feedgen/rss.xml",
    }
    site.listening.write_text(feeds_toml(nginx, paths), encoding="utf-8")

    code, said = listen(site)
    assert code == 0
    assert said.splitlines() == [
        "Listening: 2 new mentions (1 about us, 1 about the industry); 4 feeds read, "
        "0 unchanged, 0 searches made.",
        "See them with `invoke inbox --mentions`.",
    ]
    kept = ListenStore(site.state).mentions()
    assert [(m.url, m.about, m.matched) for m in kept] == [
        ("https://journal.example/cargo", "industry", ("vélo cargo",)),
        (article, "us", ("Vélos Boréal",)),
    ]
    first = nginx.requests()
    assert sorted(line.split()[2] for line in first) == ["200"] * 4
    before = site.files()

    # Nothing changed: one conditional request each, a 304 each, nothing written.
    code, said = listen(site)
    assert code == 0
    assert said.splitlines() == [
        "Listening: 0 new mentions; 0 feeds read, 4 unchanged, 0 searches made."
    ]
    again = nginx.requests()[len(first) :]
    assert len(again) == 4
    for line in again:
        assert line.split()[2] == "304"
        assert 'inm="' in line and "ims=" in line and not line.endswith("ims=")
    assert site.files() == before

    # One feed changes: it alone is read again, and its new entry is the one new mention.
    write_feedgen(
        nginx,
        [
            ("Le vélo cargo gagne du terrain", "https://journal.example/cargo", NOW),
            ("Cycles Nordet ouvre une boutique", "https://journal.example/nordet", NOW),
        ],
    )
    code, said = listen(site)
    assert said.splitlines()[0] == (
        "Listening: 1 new mention (1 about a competitor); 2 feeds read, 2 unchanged, "
        "0 searches made."
    )
    statuses = sorted(line.split()[2] for line in nginx.requests()[len(first) + 4 :])
    assert statuses == ["200", "200", "304", "304"]


def test_fifty_unchanged_feeds_cost_fifty_conditional_requests_and_write_nothing(
    nginx: Nginx, site: ListeningSite
) -> None:
    paths = {}
    for number in range(50):
        feed = feedgen_feed(
            nginx, [(f"Vélos Boréal, épisode {number}", f"https://a.example/{number}", NOW)]
        )
        feed.atom_file(str(nginx.www / f"feed-{number}.atom"))
        paths[f"Feed {number}"] = f"/feed-{number}.atom"
    site.listening.write_text(feeds_toml(nginx, paths), encoding="utf-8")
    assert listen(site)[1].startswith("Listening: 50 new mentions (50 about us); 50 feeds read")
    primed = len(nginx.requests())
    before = site.files()

    code, said = listen(site)
    assert (code, said) == (
        0,
        "Listening: 0 new mentions; 0 feeds read, 50 unchanged, 0 searches made.\n",
    )
    second = nginx.requests()[primed:]
    assert len(second) == 50
    assert {line.split()[2] for line in second} == {"304"}
    assert site.files() == before


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that takes connections and never answers (a feed host that hangs)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/feed.xml"


def test_failing_sources_are_one_line_each_and_the_others_go_on(
    nginx: Nginx, site: ListeningSite, silent_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feeds, "TIMEOUT", httpx.Timeout(1.0))
    monkeypatch.setattr(feeds, "MAX_BYTES", 64 * 1024)
    write_feedgen(nginx, [("Vélos Boréal répond", "https://a.example/ok", NOW)])
    (nginx.www / "page.html").write_text(
        "<!doctype html><title>Vélos Boréal</title><p>Une page, pas un flux.</p>", "utf-8"
    )
    big = feedgen_feed(
        nginx,
        [(f"Vélos Boréal {n} " + "x" * 2000, f"https://b.example/{n}", NOW) for n in range(60)],
    )
    big.atom_file(str(nginx.www / "big.atom"))
    paths = {
        "Bon": "/feedgen/atom.xml",
        "Interdit": "/forbidden.xml",
        "Disparu": "/missing.xml",
        "En panne": "/broken.xml",
        "Pas un flux": "/page.html",
        "Trop gros": "/big.atom",
        "En boucle": "/loop.xml",
    }
    text = feeds_toml(nginx, paths) + f'\n[[feeds]]\nlabel = "Muet"\nurl = "{silent_server}"\n'
    site.listening.write_text(text, encoding="utf-8")

    code, said = listen(site)
    lines = said.splitlines()
    assert code == 0
    assert lines[0].startswith("Listening: 1 new mention (1 about us); 1 feed read")
    warnings = [line for line in lines if line.startswith("  warning: ")]
    expected = {
        "Interdit": "answered 403 Forbidden.",
        "Disparu": "answered 404 Not Found.",
        "En panne": "answered 500 Internal Server Error.",
        "Pas un flux": "sent something that is not a feed (text/html).",
        "Trop gros": "is over 64 KB, so it was not read.",
        "En boucle": "redirected more than 5 times; check its address.",
        "Muet": "did not answer within 1 s.",
    }
    assert len(warnings) == len(expected)
    for label, ending in expected.items():
        [line] = [w for w in warnings if f"the feed '{label}'" in w]
        assert line.endswith(ending), line
    assert [m.source for m in ListenStore(site.state).mentions()] == ["Bon"]

    # Three runs in a row: broken, with its label; the good feed still costs a 304 only.
    listen(site)
    code, said = listen(site)
    assert code == 1
    broken = [line for line in said.splitlines() if line.startswith("  broken: ")]
    assert sorted(broken) == sorted(
        f"  broken: '{label}' has failed 3 runs in a row; fix or remove it in the listening file."
        for label in expected
    )
    state = json.loads((site.state / "listening" / "sources.json").read_text("utf-8"))
    assert state[nginx.url("/forbidden.xml")]["failures"] == 3
    assert "failures" not in state[nginx.url("/feedgen/atom.xml")]
