"""Reading one RSS or Atom feed: a conditional request, a bounded body, feedparser, plain text.

- **Conditional requests** (RFC 9110, section 13: https://www.rfc-editor.org/rfc/rfc9110#section-13):
  the ``ETag`` and ``Last-Modified`` of the last answer go back as ``If-None-Match`` and
  ``If-Modified-Since``, so a feed that did not change costs one ``304`` with no body.
- **Bounds**: redirects are followed at most ``MAX_REDIRECTS`` times (a loop ends there), the body
  is read in chunks and dropped past ``MAX_BYTES`` (a ``Content-Length`` over it is not read at
  all), and a server that does not answer within ``TIMEOUT`` is given up on. Each failure is one
  sentence naming the feed's label (``FeedFailure``); the caller goes on with the other feeds.
- **Parsing** is feedparser's (https://feedparser.readthedocs.io/), the most tested feed parser
  in Python: RSS 0.9x to 2.0, Atom 0.3 and 1.0, CDF, broken encodings, and HTML sanitised. It is
  given the body as a stream: given bytes, it would try them as a file name first.
- **Nothing is rendered**: an entry's title and summary become plain text (``nh3`` with no tag
  allowed, then entities decoded); the inbox prints it through the terminal filter.
- **The same article through two feeds** is recognised by its canonical link: tracking
  parameters removed (``utm_*``, ``fbclid``…), then Scrapy's ``w3lib.url.canonicalize_url``
  (query sorted, percent-encoding normalised, fragment dropped:
  https://w3lib.readthedocs.io/en/latest/w3lib.html#w3lib.url.canonicalize_url).
"""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser
import httpx
import nh3
from w3lib.url import canonicalize_url

from syndication.cli.common import USER_AGENT
from syndication.listen.sources import Feed
from syndication.listen.store import SourceState

MAX_REDIRECTS = 5
MAX_BYTES = 4 * 1024 * 1024  # the largest real feeds (a year of a busy blog) stay well under
TIMEOUT = httpx.Timeout(15.0, connect=10.0)
TEXT_LIMIT = 1000  # characters of an entry kept: enough to read it, small in the state
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "oly_", "_hs")
TRACKING_NAMES = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "ref_src",
     "ref_url", "cmpid", "xtor", "at_medium", "at_campaign", "wt_mc", "spm", "s_cid"}
)  # fmt: skip


_BREAKS = re.compile(r"<(?:br|/p|/div|/li|/h[1-6]|/blockquote|/tr|/td)\b[^>]*>", re.IGNORECASE)


class FeedFailure(Exception):
    """One feed could not be read this run: the message is one sentence naming it."""


@dataclass(frozen=True)
class Fetched:
    """What one request brought: a new body, or nothing new (``unchanged``, a 304)."""

    unchanged: bool
    body: bytes = b""
    content_type: str = ""
    url: str = ""  # where the body came from, after redirects (the base of relative links)
    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True)
class Article:
    """One entry of a feed, as plain text, under its canonical link."""

    native_id: str  # the canonical link, else the entry's id, else a digest of its text
    url: str
    title: str
    text: str
    author: str
    published_at: datetime


def client(
    transport: httpx.AsyncBaseTransport | None = None, timeout: httpx.Timeout | None = None
) -> httpx.AsyncClient:
    """The HTTP client feeds are read with: its redirect limit and timeouts (``TIMEOUT``)."""
    return httpx.AsyncClient(
        timeout=timeout or TIMEOUT,
        max_redirects=MAX_REDIRECTS,
        follow_redirects=True,
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
        transport=transport,
    )


def _conditions(state: SourceState) -> dict[str, str]:
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


async def fetch(http: httpx.AsyncClient, feed: Feed, state: SourceState) -> Fetched:
    """GET ``feed`` with the validators of ``state``; FeedFailure (one sentence) when it fails."""
    name = f"{feed.label!r} ({feed.url})"
    try:
        async with http.stream("GET", feed.url, headers=_conditions(state)) as response:
            if response.status_code == 304:
                return Fetched(
                    unchanged=True,
                    etag=response.headers.get("ETag", state.etag),
                    last_modified=response.headers.get("Last-Modified", state.last_modified),
                )
            if not 200 <= response.status_code < 300:
                reason = response.reason_phrase or "error"
                raise FeedFailure(f"the feed {name} answered {response.status_code} {reason}.")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_BYTES:
                raise FeedFailure(_too_big(name))
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise FeedFailure(_too_big(name))
                chunks.append(chunk)
            return Fetched(
                unchanged=False,
                body=b"".join(chunks),
                content_type=response.headers.get("Content-Type", ""),
                url=str(response.url),
                etag=response.headers.get("ETag", ""),
                last_modified=response.headers.get("Last-Modified", ""),
            )
    except httpx.TooManyRedirects:
        raise FeedFailure(
            f"the feed {name} redirected more than {MAX_REDIRECTS} times; check its address."
        ) from None
    except httpx.TimeoutException:
        raise FeedFailure(f"the feed {name} did not answer within {TIMEOUT.read:.0f} s.") from None
    except httpx.HTTPError as error:
        raise FeedFailure(
            f"the feed {name} could not be reached ({type(error).__name__})."
        ) from None


def _too_big(name: str) -> str:
    size = f"{MAX_BYTES // 2**20} MB" if MAX_BYTES >= 2**20 else f"{MAX_BYTES // 2**10} KB"
    return f"the feed {name} is over {size}, so it was not read."


def plain_text(markup: str) -> str:
    """Markup as plain text on one line: every tag dropped by nh3, entities decoded."""
    # A block's end or a line break separates words: keep a space there before the tags go.
    spaced = _BREAKS.sub(" ", markup)
    text = html.unescape(nh3.clean(spaced, tags=set()))
    return " ".join(text.split())


def canonical_link(url: str) -> str:
    """``url`` without tracking parameters, canonicalised; "" when it is not an http(s) URL."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    kept = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_NAMES and not key.lower().startswith(TRACKING_PREFIXES)
    ]
    cleaned = urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(kept), "")
    )
    return canonicalize_url(cleaned)


def _time(entry: Any) -> datetime | None:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(name)
        if isinstance(value, time.struct_time):
            return datetime.fromtimestamp(calendar.timegm(value), UTC)
    return None


def _text(entry: Any) -> str:
    parts = [str(entry.get("summary") or "")]
    for content in entry.get("content") or []:
        value = content.get("value") if hasattr(content, "get") else ""
        if value and value != parts[0]:
            parts.append(str(value))
    text = plain_text(" ".join(parts))
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1].rstrip() + "…"


def parse(fetched: Fetched, feed: Feed, now: datetime) -> list[Article]:
    """The articles of a fetched feed; FeedFailure when the body is not a feed at all."""
    parsed = feedparser.parse(
        io.BytesIO(fetched.body),
        response_headers={
            "content-type": fetched.content_type or "application/xml",
            "content-location": fetched.url or feed.url,
        },
        sanitize_html=True,
    )
    if not parsed.get("version") and not parsed.entries:
        raise FeedFailure(
            f"the feed {feed.label!r} ({feed.url}) sent something that is not a feed "
            f"({fetched.content_type.split(';')[0] or 'no content type'})."
        )
    feed_time = _time(parsed.get("feed", {}))
    articles = []
    for entry in parsed.entries:
        link = str(entry.get("link") or "")
        entry_id = str(entry.get("id") or "")
        canonical = canonical_link(link) or canonical_link(entry_id)
        title = plain_text(str(entry.get("title") or ""))
        text = _text(entry)
        if not (title or text):
            continue
        native = canonical or entry_id or hashlib.sha1(f"{title}\n{text}".encode()).hexdigest()
        articles.append(
            Article(
                native_id=native,
                url=canonical or link,
                title=title,
                text=text,
                author=plain_text(str(entry.get("author") or "")),
                published_at=_time(entry) or feed_time or now,
            )
        )
    return articles
