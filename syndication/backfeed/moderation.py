"""The moderation file: a reviewed list, in the repository, of what never appears on the site.

``content/moderation.toml`` (setting ``AGORA_MODERATION_FILE``)::

    # Spam and abuse only: criticism is never a reason to hide a comment.
    blocked_accounts = ["spammer@bad.example", "did:plc:abc123", "troll.bsky.social"]
    blocked_domains = ["bad.example"]
    hidden_items = ["mastodon:109876543210", "bluesky:at://did:plc:x/app.bsky.feed.post/3k"]

It applies at backfeed (blocked content is not stored) and at build (an entry added later hides
what was stored before). A hidden reply hides the answers under it too, so nothing is shown out
of context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from syndication.errors import ConfigError
from syndication.model import Interaction, interaction_key
from syndication.reviewed import read_reviewed

KNOWN_KEYS = frozenset({"blocked_accounts", "blocked_domains", "hidden_items"})


def _normalise_account(value: str) -> str:
    return value.strip().lstrip("@").lower()


@dataclass(frozen=True)
class Moderation:
    """What the moderation file blocks and hides."""

    blocked_accounts: frozenset[str] = field(default_factory=frozenset)
    blocked_domains: frozenset[str] = field(default_factory=frozenset)
    hidden_items: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def load(cls, path: Path) -> Moderation:
        """Read the file; a missing file blocks nothing, a broken one is a ConfigError naming it."""
        expected = "one of " + ", ".join(sorted(KNOWN_KEYS))
        data = read_reviewed(path, KNOWN_KEYS, expected)
        lists: dict[str, frozenset[str]] = {}
        for name in KNOWN_KEYS:
            values = data.get(name, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ConfigError(f"{path}: {name} must be a list of strings.")
            lists[name] = frozenset(values)
        return cls(
            blocked_accounts=frozenset(_normalise_account(v) for v in lists["blocked_accounts"]),
            blocked_domains=frozenset(v.strip().lower() for v in lists["blocked_domains"]),
            hidden_items=frozenset(v.strip() for v in lists["hidden_items"]),
        )

    def _domains_of(self, item: Interaction) -> set[str]:
        """Every domain an author can be known by: acct domain, handle, profile URL host."""
        domains: set[str] = set()
        handle = _normalise_account(item.author.handle)
        if "@" in handle:
            domains.add(handle.rsplit("@", 1)[1])
        elif "." in handle:
            domains.add(handle)  # a Bluesky handle is a domain name
        if item.author.url:
            domains.add((urlsplit(item.author.url).hostname or "").lower())
        return {d for d in domains if d}

    def _domain_blocked(self, domain: str) -> bool:
        return any(domain == b or domain.endswith("." + b) for b in self.blocked_domains)

    def allows(self, item: Interaction) -> bool:
        """Whether ``item`` may be stored and shown (its own author and id only)."""
        if interaction_key(item.network, item.id) in self.hidden_items:
            return False
        if item.by_company:
            return True  # the company's own answers are moderated by the company
        author_names = {_normalise_account(item.author.handle), _normalise_account(item.author.id)}
        if author_names & self.blocked_accounts:
            return False
        return not any(self._domain_blocked(d) for d in self._domains_of(item))

    def filter(self, items: list[Interaction]) -> list[Interaction]:
        """``items`` without the blocked and hidden ones, nor anything that answers them."""
        if not (self.blocked_accounts or self.blocked_domains or self.hidden_items):
            return list(items)  # nothing to hide: a build passes every stored item through here
        by_id = {item.id: item for item in items}
        verdict: dict[str, bool] = {}

        def visible(item: Interaction, depth: int = 0) -> bool:
            if item.id in verdict:
                return verdict[item.id]
            allowed = self.allows(item)
            parent = by_id.get(item.in_reply_to)
            if allowed and parent is not None and parent is not item and depth < 1000:
                allowed = visible(parent, depth + 1)
            verdict[item.id] = allowed
            return allowed

        return [item for item in items if visible(item)]
