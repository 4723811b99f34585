"""Accounts people link publicly: verified profile links, checked and recorded in the state.

Some networks let a profile link the person's own site and check that the site links back
(Mastodon's ``verified_at``, https://docs.joinmastodon.org/user/profile/#verification):
``Network.verified_sites``. On others a handle is a domain name the network verified itself
(Bluesky's DNS or ``/.well-known/atproto-did``): ``Network.handle_is_domain``. So an account whose
verified link points to ``lea.example.com`` and the account whose handle is ``lea.example.com``
are the same person, by their own public statement. Which networks can do either is asked of the
registry (``syndication.networks.registry``), never named here.

The profiles are read through each network's public reading (no token) by ``invoke people`` (the
top fans' profiles, now) and by the scheduled refresh (``syndication.pipeline``: the profiles of
the period's fans that are due, each at most once every ``AGORA_PEOPLE_RECHECK_DAYS``, so the
30-minute schedule never hammers a stranger's server). What was read is recorded in the state,
plain and diffable, with no secret, and committed by the workflows with the rest of it::

    people/links.json   per network:handle, the verified hosts its profile links and when it
                        was checked (and why it could not be read, the last hosts kept)

``invoke fans`` and the report read that file and join the accounts automatically
(``syndication.insight.people.Identities``; the people file wins); a profile read again with no
verified link un-joins them. ``invoke fans`` itself never calls a network. Written like the rest
of the state (``syndication.store.state.write_json_atomically``), only when something changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from syndication.errors import StateError
from syndication.insight.people import domain_networks as domain_networks  # for the commands
from syndication.insight.people import normalise
from syndication.model import Person, format_time, parse_time
from syndication.networks import registry
from syndication.networks.spec import Network
from syndication.store.state import read_json, write_json_atomically

CONCURRENT = 4  # profiles asked at once: servers of strangers, asked politely
FILE = Path("people") / "links.json"
FORGET_AFTER = timedelta(days=365)  # a record not checked for this long is dropped at a write


def _offers_verified_sites(network: Network) -> bool:
    """Whether ``network`` overrides ``Network.verified_sites`` (the default reads nothing)."""
    return type(network).verified_sites is not Network.verified_sites


def site_networks() -> tuple[str, ...]:
    """The networks whose profiles link sites they verified, in the registry's order."""
    return tuple(n.name for n in registry.NETWORKS if _offers_verified_sites(n))


def labels_of(names: Iterable[str]) -> str:
    """``Mastodon`` or ``Mastodon or Pixelfed``: the networks as people write them, for
    messages."""
    return " or ".join(registry.label(name) for name in names) or "no network"


def account_of(person: Person) -> str:
    """``network:handle`` as the links file keys it."""
    return f"{person.network}:{normalise(person.handle)}"


@dataclass(frozen=True)
class Check:
    """What one reading of a profile found: the verified hosts it links, and when."""

    sites: frozenset[str]
    checked_at: datetime
    failed: str = ""  # why it could not be read; ``sites`` are then the last ones known

    def to_dict(self) -> dict[str, Any]:
        """Plain data, in a stable order."""
        data: dict[str, Any] = {
            "checked_at": format_time(self.checked_at),
            "sites": sorted(self.sites),
        }
        if self.failed:
            data["failed"] = self.failed
        return data


class LinkStore:
    """``people/links.json`` under the state folder: the checks of profiles' verified links."""

    def __init__(self, state_root: Path) -> None:
        self.path = state_root / FILE

    def load(self) -> dict[str, Check]:
        """``network:handle`` -> its last check; {} before the first; StateError when broken."""
        if not self.path.exists():
            return {}
        data = read_json(self.path)
        checks: dict[str, Check] = {}
        try:
            for account, entry in data.items():
                sites = entry["sites"]
                if not isinstance(sites, list) or not all(isinstance(s, str) for s in sites):
                    raise TypeError("sites")
                checks[account] = Check(
                    frozenset(sites), parse_time(entry["checked_at"]), str(entry.get("failed", ""))
                )
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            raise StateError(
                f"{self.path}: an entry is not a check of a profile ({error}); restore the file "
                "from git or delete it (the next `invoke people` writes it again)."
            ) from error
        return checks

    def verified(self) -> dict[str, frozenset[str]]:
        """``network:handle`` -> the hosts its profile links, verified (only accounts with one)."""
        return {account: check.sites for account, check in self.load().items() if check.sites}

    def record(self, checks: Mapping[str, Check], now: datetime) -> bool:
        """Add ``checks`` to the file (a later check replaces an earlier one); True when the file
        changed. The caller holds the state's lock."""
        before = self.load()
        after = {**before, **checks}
        after = {a: c for a, c in after.items() if now - c.checked_at < FORGET_AFTER}
        if after == before:
            return False
        write_json_atomically(self.path, {a: after[a].to_dict() for a in sorted(after)})
        return True


def due(
    people: Iterable[Person], known: Mapping[str, Check], now: datetime, every: timedelta
) -> list[Person]:
    """Of ``people`` on networks with verified sites, those never checked or checked ``every``
    ago or more: never checked first, then the longest ago."""
    offering = set(site_networks())
    waiting = [
        person
        for person in people
        if person.network in offering
        and ((check := known.get(account_of(person))) is None or now - check.checked_at >= every)
    ]
    never = datetime.min.replace(tzinfo=now.tzinfo)
    return sorted(
        waiting,
        key=lambda p: c.checked_at if (c := known.get(account_of(p))) else never,
    )


async def check_profiles(
    client: httpx.AsyncClient,
    people: Sequence[Person],
    now: datetime,
    known: Mapping[str, Check],
) -> tuple[dict[str, Check], list[str]]:
    """Read each profile once: ``network:handle`` -> its check, and one sentence per failure.

    A profile read with no verified link is a check with no site (what un-joins the accounts);
    one that could not be read keeps the sites last known, with why, until its next check.
    """
    found: dict[str, Check] = {}
    failures: list[str] = []
    gate = asyncio.Semaphore(CONCURRENT)
    offering = set(site_networks())

    async def one(person: Person) -> None:
        if person.network not in offering:
            return
        account = account_of(person)
        async with gate:
            try:
                hosts = await registry.network(person.network).verified_sites(client, person)
            except (httpx.HTTPError, ValueError) as error:
                said = (
                    f"HTTP {error.response.status_code}"
                    if isinstance(error, httpx.HTTPStatusError)
                    else type(error).__name__
                )
                failures.append(
                    f"@{normalise(person.handle)}: its profile could not be read ({said})."
                )
                last = known.get(account)
                found[account] = Check(last.sites if last else frozenset(), now, said)
                return
        found[account] = Check(frozenset(hosts or ()), now)

    unique = {account_of(person): person for person in people}  # a person of two rows: once
    await asyncio.gather(*(one(person) for person in unique.values()))
    return found, sorted(failures)


@dataclass(frozen=True)
class Link:
    """Two accounts one person links publicly, and the site that links them.

    ``profile`` links the site (verified by its network); ``domain``'s handle is the site.
    """

    profile: Person
    domain: Person
    site: str


def found_links(people: Iterable[Person], verified: Mapping[str, frozenset[str]]) -> list[Link]:
    """Each account of ``people`` whose verified site is the domain handle of another of them
    (on another network), in a stable order."""
    seen = list({account_of(person): person for person in people}.values())
    domains = set(domain_networks())
    by_domain: dict[str, list[Person]] = {}
    for person in seen:
        if person.network in domains and person.handle:
            by_domain.setdefault(normalise(person.handle), []).append(person)
    found = []
    for person in seen:
        for site in sorted(verified.get(account_of(person), frozenset())):
            for other in by_domain.get(site, []):
                if other.network != person.network:  # one network's two accounts: not stated
                    found.append(Link(person, other, site))
    return sorted(found, key=lambda link: (link.site, account_of(link.profile)))
