"""Who is one person across networks, and who asked not to be listed as a fan.

Two kinds of evidence make one person of several accounts, never a guess from similar names:

- **their own public link**, found by ``invoke people`` and the scheduled refresh
  (``syndication.insight.links``) and recorded in the state (``people/links.json``): a profile
  link the network verified (a Mastodon field checked with ``rel="me"``) to a site that is
  another network's handle (a Bluesky handle is a domain name Bluesky verified). Applied
  automatically; a link that stops verifying is forgotten at the next check;
- **the reviewed people file**, ``content/people.toml`` (setting ``AGORA_PEOPLE_FILE``), which
  wins over the links::

    # Léa links her Bluesky handle from her Mastodon profile (verified with rel=me).
    [[person]]
    name = "Léa Martin"
    accounts = ["mastodon:lea@piaille.example", "bluesky:lea.example.com"]

    # Noor's profile links her sister's site: a link that is true, but not one person.
    [[not_same]]
    accounts = ["mastodon:noor@velo.example", "bluesky:noor-famille.example"]

    # Asked on 2026-11-03 not to be contacted as a fan (any network when no network is given).
    opted_out = ["mastodon:noor@velo.example", "samuel.test"]

A ``[[person]]`` gives the row its name and joins its accounts whatever the links say; a link
never joins two accounts the file lists under two different people, nor two accounts of one
``[[not_same]]``. When any account of a person opted out (or speaks for the company), the whole
person is left out, however their accounts were joined.

An account is ``network:handle`` or ``network:id`` (a Bluesky DID, a Mastodon account id), with
or without ``@``, in any case. Blocked accounts and hidden items of the moderation file are left
out too (``syndication.backfeed.moderation``); non-public items never reach the state.

Read with the standard library's ``tomllib`` (https://docs.python.org/3/library/tomllib.html),
like the moderation file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from syndication.errors import ConfigError
from syndication.model import Person
from syndication.networks import registry
from syndication.networks.registry import names
from syndication.reviewed import read_reviewed

KNOWN_KEYS = frozenset({"person", "not_same", "opted_out"})
PERSON_KEYS = frozenset({"name", "accounts", "note"})
NOT_SAME_KEYS = frozenset({"accounts", "note"})
PEOPLE_FILE_REASON = "people file"  # Fan.linked_by when the reviewed file joined the accounts


def normalise(value: str) -> str:
    """An account or handle as compared: trimmed, lower case, without a leading ``@``."""
    return value.strip().lstrip("@").lower()


def account_names(person: Person) -> set[str]:
    """``network:handle`` and ``network:id`` of a person seen on a network."""
    return {f"{person.network}:{normalise(value)}" for value in (person.handle, person.id) if value}


def domain_networks() -> tuple[str, ...]:
    """The networks whose handles are domain names they verified, in the registry's order."""
    return tuple(n.name for n in registry.NETWORKS if n.handle_is_domain)


def _account(path: Path, value: object, where: str) -> str:
    """One ``network:handle`` of the file, checked; ConfigError naming the entry otherwise."""
    network, _, handle = str(value).partition(":") if isinstance(value, str) else ("", "", "")
    if network not in names() or not normalise(handle):
        raise ConfigError(
            f"{path}: {where}: {value!r} is not an account; write it as network:handle "
            f"(networks: {', '.join(names())})."
        )
    return f"{network}:{normalise(handle)}"


def _tables(path: Path, data: Mapping[str, object], key: str) -> list[object]:
    """The ``[[key]]`` tables of the file; ConfigError when ``key`` is not a list of tables."""
    entries = data.get(key, [])
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: write each {key} as a [[{key}]] table.")
    return entries


@dataclass(frozen=True)
class People:
    """The reviewed people file (linked accounts, accounts kept apart, opt-outs) and the verified
    links recorded in the state (``with_verified``)."""

    names_by_account: dict[str, str] = field(default_factory=dict)  # network:handle -> name
    opted_out: frozenset[str] = frozenset()  # network:handle, or a bare handle (every network)
    not_same: tuple[frozenset[str], ...] = ()  # accounts no link may join, one set per entry
    # network:handle -> the hosts its profile links, verified by its network (links.json).
    verified_sites: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> People:
        """Read the file; a missing file links nobody, a broken one is a ConfigError naming it."""
        data = read_reviewed(path, KNOWN_KEYS, "person, not_same or opted_out")
        if not data:
            return cls()
        linked: dict[str, str] = {}
        for number, entry in enumerate(_tables(path, data, "person"), start=1):
            where = f"person {number}"
            if not isinstance(entry, dict) or set(entry) - PERSON_KEYS:
                raise ConfigError(f"{path}: {where} may only have name, accounts and note.")
            name, accounts = entry.get("name"), entry.get("accounts")
            if not isinstance(name, str) or not name.strip() or not isinstance(accounts, list):
                raise ConfigError(f"{path}: {where} needs a name and a list of accounts.")
            for value in accounts:
                account = _account(path, value, where)
                if linked.get(account, name.strip()) != name.strip():
                    raise ConfigError(
                        f"{path}: {account} is listed for both {linked[account]!r} and {name!r}; "
                        "keep it under one person."
                    )
                linked[account] = name.strip()
        apart: list[frozenset[str]] = []
        for number, entry in enumerate(_tables(path, data, "not_same"), start=1):
            where = f"not_same {number}"
            accounts = entry.get("accounts") if isinstance(entry, dict) else None
            if not isinstance(entry, dict) or set(entry) - NOT_SAME_KEYS:
                raise ConfigError(f"{path}: {where} may only have accounts and note.")
            if not isinstance(accounts, list) or len(accounts) < 2:
                raise ConfigError(f"{path}: {where} needs a list of at least two accounts.")
            group = frozenset(_account(path, value, where) for value in accounts)
            named = sorted({linked[a] for a in group if a in linked})
            for name in named:
                both = sorted(a for a in group if linked.get(a) == name)
                if len(both) > 1:
                    raise ConfigError(
                        f"{path}: {both[0]} and {both[1]} are one person ({name!r}) and "
                        f"{where} says they are not; keep one of the two."
                    )
            apart.append(group)
        opted = data.get("opted_out", [])
        if not isinstance(opted, list) or not all(isinstance(v, str) for v in opted):
            raise ConfigError(f"{path}: opted_out must be a list of accounts.")
        out = {
            _account(path, v, "opted_out") if ":" in v else normalise(v) for v in opted if v.strip()
        }
        return cls(names_by_account=linked, opted_out=frozenset(out), not_same=tuple(apart))

    def with_verified(self, sites: Mapping[str, frozenset[str]]) -> People:
        """The same file, with the verified links recorded in the state (``links.LinkStore``)."""
        return dataclasses.replace(self, verified_sites=dict(sites))

    def name_of(self, person: Person) -> str:
        """The reviewed name of the person behind this account, or ``""`` when not listed."""
        for account in account_names(person):
            if account in self.names_by_account:
                return self.names_by_account[account]
        return ""

    def opted_out_account(self, account: str) -> bool:
        """Whether ``network:handle`` (or its bare handle, for every network) opted out."""
        return account in self.opted_out or account.partition(":")[2] in self.opted_out

    def has_opted_out(self, person: Person) -> bool:
        """Whether this account, or anyone listed with it, asked not to be listed as a fan."""
        if not self.opted_out:
            return False
        bare = {normalise(v) for v in (person.handle, person.id) if v}
        if (account_names(person) | bare) & self.opted_out:
            return True
        name = self.name_of(person)
        return bool(name) and any(
            self.names_by_account.get(account) == name for account in self.opted_out
        )

    def identities(self, seen: Iterable[Person]) -> Identities:
        """Who is one person among the accounts ``seen``: the file's, then the links'."""
        return Identities(self, seen)


class Identities:
    """Accounts joined into people (a union-find over ``network:handle`` strings).

    Joined, in this order: each account's handle and id (one account); the accounts of each
    ``[[person]]`` of the file; then each verified link from a profile to a domain handle, unless
    the two sides are listed under two different people or in one ``[[not_same]]``. A person's
    accounts include those a link names but that never engaged (a company's domain handle, an
    opted-out account), so their verdicts reach the whole person.
    """

    def __init__(self, people: People, seen: Iterable[Person]) -> None:
        self._parent: dict[str, str] = {}
        self._names: dict[str, set[str]] = {}  # root -> the file's names of the group
        self._apart: dict[str, set[tuple[int, str]]] = {}  # root -> (not_same entry, account)
        self._sites: dict[str, set[str]] = {}  # root -> the sites whose links joined it
        self.refused: list[tuple[str, str, str]] = []  # (profile, domain account, site)
        self._groups: dict[str, set[str]] | None = None  # root -> members, once joined
        self._people = people
        for account, name in people.names_by_account.items():
            self._add(account)
            self._names[account].add(name)
        for number, group in enumerate(people.not_same):
            for account in group:
                self._add(account)
                self._apart[self._find(account)].add((number, account))
        first_of: dict[str, str] = {}
        for account, name in people.names_by_account.items():
            self._union(first_of.setdefault(name, account), account)
        for person in seen:
            mine = sorted(account_names(person))
            for account in mine:
                self._add(account)
                self._union(mine[0], account)
        domains = domain_networks()
        for account in sorted(people.verified_sites):
            network = account.partition(":")[0]
            for site in sorted(people.verified_sites[account]):
                for other in (f"{d}:{site}" for d in domains if d != network):
                    self._add(account)
                    self._add(other)
                    if self._find(account) == self._find(other):
                        self._sites[self._find(account)].add(site)
                    elif self._may_join(account, other):
                        self._union(account, other)
                        self._sites[self._find(account)].add(site)
                    else:
                        self.refused.append((account, other, site))

    def _add(self, account: str) -> None:
        if account not in self._parent:
            self._parent[account] = account
            self._names[account], self._apart[account], self._sites[account] = set(), set(), set()

    def _find(self, account: str) -> str:
        parent = self._parent
        root = account
        while parent[root] != root:
            root = parent[root]
        while parent[account] != root:  # path compression: later finds are one step
            parent[account], account = root, parent[account]
        return root

    def _may_join(self, one: str, other: str) -> bool:
        """Whether a link may join the groups of ``one`` and ``other`` (the file wins)."""
        a, b = self._find(one), self._find(other)
        if len(self._names[a] | self._names[b]) > 1:
            return False  # the file lists them as two people
        entries = {number for number, _ in self._apart[a]}
        return not any(number in entries for number, _ in self._apart[b])

    def _union(self, one: str, other: str) -> None:
        a, b = self._find(one), self._find(other)
        if a == b:
            return
        if b < a:
            a, b = b, a  # the smaller string is the root: the same groups whatever the order
        self._parent[b] = a
        self._names[a] |= self._names.pop(b)
        self._apart[a] |= self._apart.pop(b)
        self._sites[a] |= self._sites.pop(b)

    def root_of(self, person: Person) -> str:
        """The group of ``person``'s account (an account string that names it)."""
        return self._find(sorted(account_names(person))[0])

    def members(self, root: str) -> set[str]:
        """Every account string of the group: its accounts' handles and ids, and the ones its
        file entries and links name."""
        if self._groups is None:  # worked out once: the groups no longer change
            self._groups = {}
            for account in self._parent:
                self._groups.setdefault(self._find(account), set()).add(account)
        return self._groups.get(root, {root})

    def name(self, root: str) -> str:
        """The reviewed name of the group (``""`` when the file names none of its accounts)."""
        return min(self._names[root], default="")

    def sites(self, root: str) -> list[str]:
        """The sites whose verified links joined the group, sorted."""
        return sorted(self._sites[root])

    def left_out(self, root: str, company: frozenset[str] | set[str]) -> bool:
        """Whether the group is never listed: one of its accounts opted out or is the
        company's."""
        members = self.members(root)
        return bool(members & company) or any(self._people.opted_out_account(m) for m in members)
