"""Who is one person across networks, and who asked not to be listed as a fan.

``content/people.toml`` (setting ``AGORA_PEOPLE_FILE``) is reviewed like any change: a person's
accounts are merged into one row of ``invoke fans`` only when they link them publicly and a
member of the team wrote it down here, so a guess from similar names never merges two people::

    # Léa links her Bluesky handle from her Mastodon profile (verified with rel=me).
    [[person]]
    name = "Léa Martin"
    accounts = ["mastodon:lea@piaille.example", "bluesky:lea.example.com"]

    # Asked on 2026-11-03 not to be contacted as a fan (any network when no network is given).
    opted_out = ["mastodon:noor@velo.example", "samuel.test"]

An account is ``network:handle`` or ``network:id`` (a Bluesky DID, a Mastodon account id), with
or without ``@``, in any case. Blocked accounts and hidden items of the moderation file are left
out too (``syndication.backfeed.moderation``); non-public items never reach the state.

Read with the standard library's ``tomllib`` (https://docs.python.org/3/library/tomllib.html),
like the moderation file. ``fans`` makes no network call and the backfeed does not record a
profile's verified links, so the reviewed file is the only evidence it reads; ``invoke people``
(``syndication.insight.links``) reads the top fans' Mastodon profiles and prints the entries
their rel=me links call for, to review and paste here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from syndication.errors import ConfigError
from syndication.model import Person
from syndication.networks.registry import names
from syndication.reviewed import read_reviewed

KNOWN_KEYS = frozenset({"person", "opted_out"})
PERSON_KEYS = frozenset({"name", "accounts", "note"})


def normalise(value: str) -> str:
    """An account or handle as compared: trimmed, lower case, without a leading ``@``."""
    return value.strip().lstrip("@").lower()


def account_names(person: Person) -> set[str]:
    """``network:handle`` and ``network:id`` of a person seen on a network."""
    return {f"{person.network}:{normalise(value)}" for value in (person.handle, person.id) if value}


def _account(path: Path, value: object, where: str) -> str:
    """One ``network:handle`` of the file, checked; ConfigError naming the entry otherwise."""
    network, _, handle = str(value).partition(":") if isinstance(value, str) else ("", "", "")
    if network not in names() or not normalise(handle):
        raise ConfigError(
            f"{path}: {where}: {value!r} is not an account; write it as network:handle "
            f"(networks: {', '.join(names())})."
        )
    return f"{network}:{normalise(handle)}"


@dataclass(frozen=True)
class People:
    """The reviewed people file: linked accounts and opt-outs."""

    names_by_account: dict[str, str] = field(default_factory=dict)  # network:handle -> name
    opted_out: frozenset[str] = frozenset()  # network:handle, or a bare handle (every network)

    @classmethod
    def load(cls, path: Path) -> People:
        """Read the file; a missing file links nobody, a broken one is a ConfigError naming it."""
        data = read_reviewed(path, KNOWN_KEYS, "person or opted_out")
        if not data:
            return cls()
        linked: dict[str, str] = {}
        entries = data.get("person", [])
        if not isinstance(entries, list):
            raise ConfigError(f"{path}: write each person as a [[person]] table.")
        for number, entry in enumerate(entries, start=1):
            where = f"person {number}"
            if not isinstance(entry, dict) or set(entry) - PERSON_KEYS:
                raise ConfigError(f"{path}: {where} may only have name, accounts and note.")
            name, accounts = entry.get("name"), entry.get("accounts")
            if not isinstance(name, str) or not name.strip() or not isinstance(accounts, list):
                raise ConfigError(f"{path}: {where} needs a name and a list of accounts.")
            for value in accounts:
                account = _account(path, value, where)
                if linked.get(account, name) != name:
                    raise ConfigError(
                        f"{path}: {account} is listed for both {linked[account]!r} and {name!r}; "
                        "keep it under one person."
                    )
                linked[account] = name.strip()
        opted = data.get("opted_out", [])
        if not isinstance(opted, list) or not all(isinstance(v, str) for v in opted):
            raise ConfigError(f"{path}: opted_out must be a list of accounts.")
        out = {
            _account(path, v, "opted_out") if ":" in v else normalise(v) for v in opted if v.strip()
        }
        return cls(names_by_account=linked, opted_out=frozenset(out))

    def name_of(self, person: Person) -> str:
        """The reviewed name of the person behind this account, or ``""`` when not listed."""
        for account in account_names(person):
            if account in self.names_by_account:
                return self.names_by_account[account]
        return ""

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
