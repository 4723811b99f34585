"""Mastodon's verified profile links: the sites a person's own profile says are theirs.

A Mastodon profile's fields can hold a link to the person's own site; Mastodon marks one
``verified_at`` once it has checked that the site links back to the profile with ``rel="me"``
(https://docs.joinmastodon.org/user/profile/#verification). ``invoke people`` and the scheduled
refresh ask for them through ``Network.verified_sites`` (``syndication.insight.links`` records
them, and joins the account to the one whose handle is that domain on another network). Only a
field linking a site's home page counts: a verified ``github.com/lea`` proves the page is Léa's,
not the domain.

The profile is read from the account's own server with Mastodon's public lookup
(``GET /api/v1/accounts/lookup?acct=``, no token:
https://docs.joinmastodon.org/methods/accounts/#lookup). The server comes from a stranger's
profile, so an IP address or a local name is never asked: nothing local is reached on their
word. The fields' values are HTML; the standard library's ``html.parser`` reads their links
(no dependency needed for ``<a href>``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpx

    from syndication.model import Person

LOOKUP_PATH = "/api/v1/accounts/lookup"


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


def _is_root(url: str) -> bool:
    """Whether ``url`` is a site's home page (no path beyond ``/``, no query)."""
    parts = urlsplit(url.strip())
    return parts.path in ("", "/") and not parts.query


def verified_hosts(account: Mapping[str, Any]) -> set[str]:
    """The hosts of a Mastodon account's fields that Mastodon verified (``verified_at`` set),
    when the field links the site's home page."""
    hosts: set[str] = set()
    fields = account.get("fields")
    for field in fields if isinstance(fields, list) else []:
        if not isinstance(field, Mapping) or not field.get("verified_at"):
            continue
        parser = _Links()
        parser.feed(str(field.get("value", "")))
        # Only a site's own address: a verified page on a shared host (github.com/lea) proves
        # the page is theirs, not the domain, so it must never join them to that domain's handle.
        hosts |= {host for href in parser.found if (host := host_of(href)) and _is_root(href)}
    return hosts


def _acct(handle: str) -> str:
    """The ``acct`` as Mastodon's lookup takes it: trimmed, lower case, no leading ``@``."""
    return handle.strip().lstrip("@").lower()


def lookup_request(person: Person) -> tuple[str, dict[str, str]] | None:
    """Where to read ``person``'s public profile: their server's lookup URL and its query."""
    acct = _acct(person.handle)
    server = (urlsplit(person.url).hostname or "") if person.url else ""
    if not server and "@" in acct:
        server = acct.rsplit("@", 1)[1]
    if not acct or not _public_name(server):
        return None
    return f"https://{server}{LOOKUP_PATH}", {"acct": acct}


def _public_name(server: str) -> bool:
    """Whether ``server`` is a domain name: an address or a single label (``localhost``) from a
    stranger's profile is never asked, so nothing local is reached on their word."""
    try:
        ipaddress.ip_address(server.strip("[]"))
    except ValueError:
        return "." in server and not server.endswith((".local", ".localhost", ".internal"))
    return False


async def verified_sites(client: httpx.AsyncClient, person: Person) -> set[str] | None:
    """The hosts ``person``'s public profile links, verified by Mastodon; None when their server
    is not one to ask (an address, a local name) or the answer is not an account.

    Raises ``httpx.HTTPError`` when the server fails or refuses, ``ValueError`` for a body
    that is not JSON: the caller says it in one sentence and goes on with the others.
    """
    request = lookup_request(person)
    if request is None:
        return None
    url, query = request
    response = await client.get(url, params=query)
    response.raise_for_status()
    account = response.json()
    return verified_hosts(account) if isinstance(account, Mapping) else None
