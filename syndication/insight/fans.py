"""``invoke fans``: the people who engage with the company in public, ranked.

Each public reply, quote, mention, repost and like of a company copy published in the period
counts for its author, weighted by what it is (``KIND_WEIGHTS``: writing counts more than a
click) and by how recent it is (the weight halves every ``AGORA_FANS_HALF_LIFE_DAYS``, 30 by
default). One person is one row across networks when they link their accounts publicly (a
profile link verified with ``rel="me"`` to the site that is their handle on another network,
recorded in the state by ``invoke people`` and the scheduled refresh:
``syndication.insight.links``) or when ``content/people.toml`` says so, which wins
(``syndication.insight.people``); the row says why (``linked_by``).

Never listed: the company's accounts (the accounts that posted its copies and answers, every
item the backfeed marked ``by_company``) and its employees (their handles in ``AGORA_AUTHORS``),
whoever opted out in the people file, blocked accounts and hidden items of the moderation file.
When one account of a person is the company's or opted out, the whole person is left out.
Non-public items never reach the state (each adapter leaves them out at backfeed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from syndication.backfeed.moderation import Moderation
from syndication.config import Authors, handle_of
from syndication.insight.people import PEOPLE_FILE_REASON, Identities, People, normalise
from syndication.model import (
    Interaction,
    InteractionKind,
    Person,
    PostState,
    format_time,
    interaction_key,
)
from syndication.networks.registry import names

KIND_WEIGHTS: dict[InteractionKind, float] = {
    InteractionKind.REPLY: 3.0,
    InteractionKind.QUOTE: 3.0,
    InteractionKind.MENTION: 2.0,
    InteractionKind.REPOST: 2.0,
    InteractionKind.LIKE: 1.0,
}
WORDS_KINDS = frozenset({InteractionKind.REPLY, InteractionKind.QUOTE, InteractionKind.MENTION})
DEFAULT_HALF_LIFE = timedelta(days=30)
_NO_TIME = timedelta(0)
LATEST_WORDS_LENGTH = 280  # characters of the person's latest words kept in a row


def company_accounts(states: Iterable[PostState], authors: Authors) -> set[str]:
    """``network:handle`` of every account that speaks for the company.

    The accounts its copies and answers went out from (recorded in the state, so no setting or
    secret is needed) and every employee's handle in ``AGORA_AUTHORS``.
    """
    found = {
        f"{network}:{normalise(handle)}"
        for network in names()
        for profile in authors.values()
        if (handle := handle_of(profile, network))
    }
    for state in states:
        for copy in (*state.copies.values(), *state.answers.values()):
            if copy.account:
                found.add(f"{copy.network}:{normalise(copy.account)}")
    return found


@dataclass(frozen=True)
class Account:
    """One of a fan's accounts."""

    network: str
    handle: str
    name: str
    url: str


@dataclass
class Fan:
    """One person's engagement over the period."""

    key: str
    name: str
    score: float = 0.0
    accounts: dict[tuple[str, str], Account] = field(default_factory=dict)  # (network, id)
    counts: dict[str, int] = field(default_factory=dict)  # kind -> how many in the period
    first_seen: datetime | None = None  # first public engagement ever recorded
    last_seen: datetime | None = None
    latest_words: str = ""
    latest_url: str = ""
    # Why several accounts are one row: PEOPLE_FILE_REASON, and each site whose verified link
    # joined them (``lea.example.com``); empty for a row of one account.
    linked_by: list[str] = field(default_factory=list)
    _latest_at: datetime | None = None

    @property
    def networks(self) -> list[str]:
        """The networks of the person's accounts, in the registry's order."""
        mine = {account.network for account in self.accounts.values()}
        return [name for name in names() if name in mine] + sorted(mine - set(names()))

    def to_json(self, rank: int) -> dict[str, Any]:
        """Plain data for ``--json`` and the report."""
        return {
            "rank": rank,
            "name": self.name,
            "score": round(self.score, 2),
            "networks": self.networks,
            "accounts": [
                {"network": a.network, "handle": a.handle, "name": a.name, "url": a.url}
                for a in sorted(self.accounts.values(), key=lambda a: (a.network, a.handle))
            ],
            "linked_by": self.linked_by,
            "counts": {kind.value: self.counts.get(kind.value, 0) for kind in KIND_WEIGHTS},
            "first_seen": format_time(self.first_seen) if self.first_seen else None,
            "last_seen": format_time(self.last_seen) if self.last_seen else None,
            "latest_words": self.latest_words,
            "latest_url": self.latest_url,
        }


@dataclass(frozen=True)
class Exclusions:
    """Who is never listed: the company, opted-out people, what moderation blocks or hides.

    Verdicts about an author are worked out once per account and kept (``_blocked``,
    ``_company``): a large state has far more interactions than people.
    """

    company: frozenset[str]
    people: People
    moderation: Moderation
    _blocked: dict[tuple[str, str], bool] = field(default_factory=dict, compare=False)
    _company: dict[tuple[str, str], bool] = field(default_factory=dict, compare=False)

    def excludes(self, item: Interaction) -> bool:
        """Whether ``item`` must not count for anyone: the company's, hidden or blocked."""
        if item.by_company:
            return True
        moderation = self.moderation
        if interaction_key(item.network, item.id) in moderation.hidden_items:
            return True
        if not (moderation.blocked_accounts or moderation.blocked_domains):
            return False
        who = (item.network, item.author.id or item.author.handle)
        blocked = self._blocked.get(who)
        if blocked is None:  # this item is not hidden: what allows() says is about its author
            blocked = self._blocked[who] = not moderation.allows(item)
        return blocked

    def is_company(self, item: Interaction) -> bool:
        """Whether ``item`` is by one of the company's accounts or employees."""
        if item.by_company:
            return True
        author = item.author
        who = (item.network, author.id or author.handle)
        found = self._company.get(who)
        if found is None:
            mine = {f"{item.network}:{normalise(v)}" for v in (author.handle, author.id) if v}
            found = self._company[who] = bool(mine & self.company)
        return found

    def excludes_author(self, item: Interaction) -> bool:
        """Whether the author of ``item`` is never listed: the company, or opted out."""
        return self.is_company(item) or self.people.has_opted_out(item.author)


def rank(
    states: Iterable[PostState],
    exclusions: Exclusions,
    *,
    since: datetime,
    until: datetime,
    weights: Mapping[InteractionKind, float] = KIND_WEIGHTS,
    half_life: timedelta = DEFAULT_HALF_LIFE,
) -> list[Fan]:
    """The fans of the period ``[since, until)``, highest score first (then most recent).

    Each account is tallied on its own, then the accounts of one person are summed into one row
    (``People.identities``: the people file, then the verified links); a person one of whose
    accounts opted out or speaks for the company is left out whole.
    """
    tallies: dict[tuple[str, str], Fan] = {}
    first_ever: dict[tuple[str, str], datetime] = {}
    # (network, author) -> the author, or None when moderation blocks them: worked out once
    # per account, since a large state has far more interactions than people.
    authors: dict[tuple[str, str], Person | None] = {}
    hidden = exclusions.moderation.hidden_items
    for state in states:
        for item in state.interactions.values():
            if item.by_company or (hidden and interaction_key(item.network, item.id) in hidden):
                continue
            author = item.author
            who = (item.network, author.id or author.handle)
            if who in authors:
                if authors[who] is None:
                    continue
            elif exclusions.excludes(item):  # not hidden: the verdict is about its author
                authors[who] = None
                continue
            else:
                authors[who] = author
            if who not in first_ever or item.published_at < first_ever[who]:
                first_ever[who] = item.published_at
            if not since <= item.published_at < until:
                continue
            fan = tallies.get(who)
            if fan is None:
                fan = tallies[who] = Fan(
                    key=f"{who[0]}:{who[1]}", name=author.name or author.handle
                )
                fan.accounts[who] = Account(item.network, author.handle, author.name, author.url)
            kind = item.kind  # a StrEnum: the member is its value, without Enum's lookup
            fan.counts[kind] = fan.counts.get(kind, 0) + 1
            # The weight halves every half-life: 1 now, 0.5 after one, 0.25 after two.
            age = max(until - item.published_at, _NO_TIME)
            fan.score += weights.get(kind, 0.0) * 0.5 ** (age / half_life)
            if fan.last_seen is None or item.published_at > fan.last_seen:
                fan.last_seen = item.published_at
            if kind not in WORDS_KINDS:
                continue
            text = " ".join(filter(None, (item.summary, item.content_text))).strip()
            if text and (fan._latest_at is None or item.published_at > fan._latest_at):
                fan._latest_at = item.published_at
                fan.latest_words = text[:LATEST_WORDS_LENGTH]
                fan.latest_url = item.url
    seen = {who: person for who, person in authors.items() if person is not None}
    identities = exclusions.people.identities(seen.values())
    groups: dict[str, list[tuple[str, str]]] = {}
    for who, person in seen.items():
        groups.setdefault(identities.root_of(person), []).append(who)
    fans = []
    for root, members in groups.items():
        counted = [tallies[who] for who in members if who in tallies]
        if not counted or identities.left_out(root, exclusions.company):
            continue
        fan = _person(root, counted, identities, exclusions.people.verified_sites)
        fan.first_seen = min(first_ever[who] for who in members)
        fans.append(fan)
    return sorted(fans, key=lambda f: (-round(f.score, 6), -_stamp(f.last_seen), f.key))


def _person(
    root: str, tallies: list[Fan], identities: Identities, verified: Mapping[str, object]
) -> Fan:
    """One row of the accounts of one person: their tallies summed, named by the people file,
    else by the profile that states the link, else by the account that scored most."""
    if len(tallies) == 1 and not identities.name(root):
        return tallies[0]
    ordered = sorted(tallies, key=lambda f: (-f.score, f.key))
    name = identities.name(root)
    if not name:
        stating = [f for f in ordered if _states_a_link(f, verified)]
        name = (stating or ordered)[0].name
    fan = Fan(key=f"person:{name}" if identities.name(root) else f"linked:{root}", name=name)
    for part in ordered:
        fan.score += part.score
        fan.accounts.update(part.accounts)
        for kind, count in part.counts.items():
            fan.counts[kind] = fan.counts.get(kind, 0) + count
        if part.last_seen and (fan.last_seen is None or part.last_seen > fan.last_seen):
            fan.last_seen = part.last_seen
        if part._latest_at and (fan._latest_at is None or part._latest_at > fan._latest_at):
            fan._latest_at = part._latest_at
            fan.latest_words, fan.latest_url = part.latest_words, part.latest_url
    if len(fan.accounts) > 1:
        fan.linked_by = [PEOPLE_FILE_REASON] if identities.name(root) else []
        fan.linked_by += identities.sites(root)
    return fan


def _states_a_link(fan: Fan, verified: Mapping[str, object]) -> bool:
    """Whether one of ``fan``'s accounts has verified sites recorded (the profile that links)."""
    return any(verified.get(f"{a.network}:{normalise(a.handle)}") for a in fan.accounts.values())


def _stamp(moment: datetime | None) -> float:
    return moment.timestamp() if moment else 0.0
