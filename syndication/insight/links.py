"""Accounts people link publicly, found for ``content/people.toml``: Mastodon's verified links.

A Mastodon profile's fields can hold a link to the person's own site; Mastodon marks one
``verified_at`` once it has checked that the site links back to the profile with ``rel="me"``
(https://docs.joinmastodon.org/user/profile/#verification). A Bluesky handle that is a domain name
is verified by Bluesky itself (DNS or ``/.well-known/atproto-did``). So a Mastodon account whose
verified link points to ``lea.example.com`` and the Bluesky account ``lea.example.com`` are the same
person, by their own public statement: the case ``suggest`` finds.

The profiles are read from each account's own server with Mastodon's public lookup
(``GET /api/v1/accounts/lookup?acct=``, no token:
https://docs.joinmastodon.org/methods/accounts/#lookup), by ``invoke people`` only: ``invoke fans``
never calls a network. What is found is printed as ``[[person]]`` entries to review and paste
into the people file, never written there by a program.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import httpx

from syndication.insight.people import People, normalise
from syndication.model import Person

MASTODON = "mastodon"
BLUESKY = "bluesky"
CONCURRENT = 4  # profiles asked at once: servers of strangers, asked politely


class _Links(HTMLParser):
    """The ``href`` of every ``<a>`` in a field's HTML (Mastodon sends the value as HTML)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.found += [value for name, value in attrs if name == "href" and value]


def host_of(url: str) -> str:
    """The host of an http(s) URL, lower case, without ``www.``; ``""`` for anything else."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return parts.hostname.lower().removeprefix("www.")


def verified_hosts(account: Mapping[str, Any]) -> set[str]:
    """The hosts of a Mastodon account's fields that Mastodon verified (``verified_at`` set)."""
    hosts: set[str] = set()
    fields = account.get("fields")
    for field in fields if isinstance(fields, list) else []:
        if not isinstance(field, Mapping) or not field.get("verified_at"):
            continue
        parser = _Links()
        parser.feed(str(field.get("value", "")))
        hosts |= {host for href in parser.found if (host := host_of(href))}
    return hosts


def lookup_request(person: Person) -> tuple[str, dict[str, str]] | None:
    """Where to read ``person``'s public profile: their server's lookup URL and its query."""
    acct = normalise(person.handle)
    server = (urlsplit(person.url).hostname or "") if person.url else ""
    if not server and "@" in acct:
        server = acct.rsplit("@", 1)[1]
    if not acct or not _public_name(server):
        return None
    return f"https://{server}/api/v1/accounts/lookup", {"acct": acct}


def _public_name(server: str) -> bool:
    """Whether ``server`` is a domain name: an address or a single label (``localhost``) from a
    stranger's profile is never asked, so nothing local is reached on their word."""
    try:
        ipaddress.ip_address(server.strip("[]"))
    except ValueError:
        return "." in server and not server.endswith((".local", ".localhost", ".internal"))
    return False


@dataclass(frozen=True)
class Suggestion:
    """Two accounts one person links publicly, and the site that links them."""

    mastodon: Person
    bluesky: Person
    site: str


async def read_verified(
    client: httpx.AsyncClient, people: Sequence[Person]
) -> tuple[dict[str, set[str]], list[str]]:
    """``mastodon:handle`` -> verified hosts of each person, and one sentence per failure."""
    found: dict[str, set[str]] = {}
    failures: list[str] = []
    gate = asyncio.Semaphore(CONCURRENT)

    async def one(person: Person) -> None:
        request = lookup_request(person)
        if request is None:
            return
        url, query = request
        async with gate:
            try:
                response = await client.get(url, params=query)
                response.raise_for_status()
                account = response.json()
            except (httpx.HTTPError, ValueError) as error:
                said = (
                    f"HTTP {error.response.status_code}"
                    if isinstance(error, httpx.HTTPStatusError)
                    else type(error).__name__
                )
                failures.append(
                    f"@{normalise(person.handle)}: its profile could not be read ({said})."
                )
                return
        if isinstance(account, Mapping):
            found[f"{MASTODON}:{normalise(person.handle)}"] = verified_hosts(account)

    await asyncio.gather(*(one(person) for person in people))
    return found, sorted(failures)


def suggest(
    people: Iterable[Person], verified: Mapping[str, set[str]], known: People
) -> list[Suggestion]:
    """Each Mastodon account whose verified site is a Bluesky handle seen in the state, unless
    the people file already links them."""
    bluesky = {normalise(p.handle): p for p in people if p.network == BLUESKY and p.handle}
    mastodon = [p for p in people if p.network == MASTODON]
    found = []
    for person in mastodon:
        for site in sorted(verified.get(f"{MASTODON}:{normalise(person.handle)}", set())):
            other = bluesky.get(site)
            if other is None:
                continue
            name = known.name_of(person)
            if name and name == known.name_of(other):
                continue  # already one person in the file
            found.append(Suggestion(person, other, site))
    return found


def _quoted(text: str) -> str:
    """A TOML basic string: backslashes, quotes and control characters escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped) + '"'


def as_toml(found: Sequence[Suggestion]) -> str:
    """The suggestions as ``[[person]]`` entries to review and paste into the people file."""
    blocks = []
    for item in found:
        name = item.mastodon.name or item.bluesky.name or item.site
        accounts = ", ".join(
            _quoted(f"{p.network}:{normalise(p.handle)}") for p in (item.mastodon, item.bluesky)
        )
        blocks.append(
            f"# {item.site}: verified by Mastodon on the profile, and the Bluesky handle.\n"
            f"[[person]]\nname = {_quoted(name)}\naccounts = [{accounts}]\n"
        )
    return "\n".join(blocks)
