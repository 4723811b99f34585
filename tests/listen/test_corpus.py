"""Every feed of feedparser's own test corpus goes through `invoke listen`'s reading.

The corpus (``fixtures/feedparser-6.0.14-tests.tar.gz``, see ``fixtures/README.md``) holds the
well-formed and ill-formed feeds, encodings, entities and compressed bodies feedparser is tested
on. Each file is served as a feed's body through httpx's ``MockTransport`` and read by the
listening engine: none may raise (a body that is not a feed is a one-line warning), and every file
from which feedparser gets an entry with words gives a mention when one of those words is a term.
"""

from __future__ import annotations

import asyncio
import io
import re
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import httpx

from syndication.listen import engine, feeds
from syndication.listen.sources import KINDS, Feed, Listening

CORPUS = Path(__file__).parent / "fixtures" / "feedparser-6.0.14-tests.tar.gz"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
_WORD = re.compile(r"[^\W\d_]{4,}")


def corpus() -> dict[str, bytes]:
    """Every test file of the archive, by its path."""
    files = {}
    with tarfile.open(CORPUS) as archive:
        for member in archive.getmembers():
            if member.isfile() and member.name.startswith("tests/"):
                extracted = archive.extractfile(member)
                assert extracted is not None
                files[member.name] = extracted.read()
    return files


def a_word_of_an_entry(body: bytes) -> str:
    """A word of four letters or more in an entry's title or summary as feedparser reads it."""
    parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-type": "text/xml"})
    for entry in parsed.entries:
        for field in ("title", "summary"):
            text = feeds.plain_text(str(entry.get(field) or ""))
            found = _WORD.search(text)
            if found:
                return found.group()
    return ""


def listening(term: str) -> Listening:
    terms: dict[str, tuple[str, ...]] = {kind: () for kind in KINDS}
    terms["us"] = (term,) if term else ("zzzz-never-there",)
    return Listening(terms=terms, feeds=(Feed("corpus", "http://feeds.test/feed"),), searches={})


async def read_all(files: dict[str, bytes]) -> tuple[list[str], int, int]:
    """Read each file as a feed; the failures, how many had a word, how many gave a mention."""
    problems: list[str] = []
    with_word = mentioned = 0
    for name, body in sorted(files.items()):
        term = a_word_of_an_entry(body)

        def serve(request: httpx.Request, body: bytes = body) -> httpx.Response:
            return httpx.Response(200, content=body, headers={"Content-Type": "text/xml"})

        async with feeds.client(httpx.MockTransport(serve)) as client:
            try:
                heard = await engine.listen(
                    listening(term), sources={}, seen=set(), now=NOW, feed_client=client
                )
            except Exception as error:  # noqa: BLE001 (the point: name every file that raises)
                problems.append(f"{name}: {type(error).__name__}: {error}")
                continue
        for warning in heard.warnings:
            if "\n" in warning or not warning.startswith("the feed 'corpus'"):
                problems.append(f"{name}: a warning that is not one line: {warning!r}")
        if term:
            with_word += 1
            if [m.matched for m in heard.mentions][:1] != [(term,)]:
                problems.append(f"{name}: {term!r} is in an entry but gave no mention")
            else:
                mentioned += 1
    return problems, with_word, mentioned


def test_every_corpus_feed_is_read_and_its_entries_give_mentions() -> None:
    files = corpus()
    assert len(files) > 2000  # the archive is the whole corpus, not a sample
    problems, with_word, mentioned = asyncio.run(read_all(files))
    assert problems == []
    # Most of the corpus are feeds with entries: each of those gave its mention.
    assert with_word >= 390  # 394 files of 6.0.14
    assert mentioned == with_word
