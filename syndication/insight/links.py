"""Accounts people link publicly, found for ``content/people.toml``: verified profile links.

Some networks let a profile link the person's own site and check that the site links back
(Mastodon's ``verified_at``, https://docs.joinmastodon.org/user/profile/#verification):
``Network.verified_sites``. On others a handle is a domain name the network verified itself
(Bluesky's DNS or ``/.well-known/atproto-did``): ``Network.handle_is_domain``. So an account whose
verified link points to ``lea.example.com`` and the account whose handle is ``lea.example.com``
are the same person, by their own public statement: the case ``suggest`` finds. Which networks
can do either is asked of the registry (``syndication.networks.registry``), never named here.

The profiles are read by ``invoke people`` only, through each network's public reading (no
token): ``invoke fans`` never calls a network. What is found is printed as ``[[person]]``
entries to review and paste into the people file, never written there by a program.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import httpx

from syndication.insight.people import People, normalise
from syndication.model import Person
from syndication.networks import registry
from syndication.networks.spec import Network

CONCURRENT = 4  # profiles asked at once: servers of strangers, asked politely


def _offers_verified_sites(network: Network) -> bool:
    """Whether ``network`` overrides ``Network.verified_sites`` (the default reads nothing)."""
    return type(network).verified_sites is not Network.verified_sites


def site_networks() -> tuple[str, ...]:
    """The networks whose profiles link sites they verified, in the registry's order."""
    return tuple(n.name for n in registry.NETWORKS if _offers_verified_sites(n))


def domain_networks() -> tuple[str, ...]:
    """The networks whose handles are domain names they verified, in the registry's order."""
    return tuple(n.name for n in registry.NETWORKS if n.handle_is_domain)


def labels_of(names: Iterable[str]) -> str:
    """``Mastodon`` or ``Mastodon or Pixelfed``: the networks as people write them, for
    messages."""
    return " or ".join(registry.label(name) for name in names) or "no network"


@dataclass(frozen=True)
class Suggestion:
    """Two accounts one person links publicly, and the site that links them.

    ``profile`` links the site (verified by its network); ``domain``'s handle is the site.
    """

    profile: Person
    domain: Person
    site: str


async def read_verified(
    client: httpx.AsyncClient, people: Sequence[Person]
) -> tuple[dict[str, set[str]], list[str]]:
    """``network:handle`` -> verified hosts of each person, and one sentence per failure."""
    found: dict[str, set[str]] = {}
    failures: list[str] = []
    gate = asyncio.Semaphore(CONCURRENT)
    offering = set(site_networks())

    async def one(person: Person) -> None:
        if person.network not in offering:
            return
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
                return
        if hosts is not None:
            found[f"{person.network}:{normalise(person.handle)}"] = hosts

    await asyncio.gather(*(one(person) for person in people))
    return found, sorted(failures)


def suggest(
    people: Iterable[Person], verified: Mapping[str, set[str]], known: People
) -> list[Suggestion]:
    """Each account whose verified site is a domain handle seen in the state, unless the people
    file already links them."""
    seen = list(people)
    domains = set(domain_networks())
    by_domain: dict[str, list[Person]] = {}
    for person in seen:
        if person.network in domains and person.handle:
            by_domain.setdefault(normalise(person.handle), []).append(person)
    found = []
    for person in seen:
        for site in sorted(verified.get(f"{person.network}:{normalise(person.handle)}", set())):
            for other in by_domain.get(site, []):
                if other.network == person.network:
                    continue  # one network's two accounts: not what the link states
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
        name = item.profile.name or item.domain.name or item.site
        accounts = ", ".join(
            _quoted(f"{p.network}:{normalise(p.handle)}") for p in (item.profile, item.domain)
        )
        blocks.append(
            f"# {item.site}: verified by {registry.label(item.profile.network)} on the profile, "
            f"and the {registry.label(item.domain.network)} handle.\n"
            f"[[person]]\nname = {_quoted(name)}\naccounts = [{accounts}]\n"
        )
    return "\n".join(blocks)
