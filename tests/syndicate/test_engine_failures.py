"""The engine's failure paths with scripted publishers: rate limits, outages, the same key reused.

The real adapters and peers are in ``test_exactly_once.py``; here a publisher that follows a script
lets a test make a network fail exactly when it wants, and see what the engine records.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from syndicate_support import Site, post_file

from syndication.errors import AgoraError, RateLimited, Unavailable
from syndication.model import CopyStatus
from syndication.networks.base import Draft, Published, TextLimits
from syndication.networks.registry import configured_networks
from syndication.networks.spec import AccountSettings as NetworkSettings
from syndication.posts import load_settings, read_posts
from syndication.publish.syndicate import Action, Report, syndicate
from syndication.store.state import StateStore

ENV = {
    "AGORA_BLUESKY_SERVICE": "http://127.0.0.1:9",
    "AGORA_BLUESKY_HANDLE": "velosboreal.test",
    "AGORA_BLUESKY_APP_PASSWORD": "scripted-password",
    "AGORA_MASTODON_BASE_URL": "http://127.0.0.1:9",
    "AGORA_MASTODON_ACCESS_TOKEN": "scripted-token",
}


@dataclass
class Scripted:
    """A publisher whose answers are scripted; it checks the intent is on disk before each call."""

    network: str
    store: StateStore
    failures: list[AgoraError] = field(default_factory=list)  # raised by the next publish calls
    published: dict[str, Published] = field(default_factory=dict)  # key -> copy on "the network"
    calls: list[tuple[str, str, str]] = field(default_factory=list)  # (method, post key, key)

    async def text_limits(self) -> TextLimits:
        return TextLimits(300, None) if self.network == "bluesky" else TextLimits(500, 23)

    async def find_published(self, key: str, draft: Draft) -> Published | None:
        self.calls.append(("find", draft.post.key, key))
        return self.published.get(key)

    async def publish(self, draft: Draft, key: str) -> Published:
        self.calls.append(("publish", draft.post.key, key))
        on_disk = self.store.load(draft.post.key).copies[self.network]
        assert on_disk.status is CopyStatus.PENDING and on_disk.key == key  # intent first
        if self.failures:
            raise self.failures.pop(0)
        copy = Published(
            id=f"{self.network}:{key}",
            url=f"https://{self.network}.example/{key}",
            published_at=datetime(2026, 11, 23, tzinfo=UTC),
            account="brand",
        )
        self.published.setdefault(key, copy)
        return self.published[key]


def run(site: Site, publishers: dict[str, Scripted]) -> Report:
    settings = load_settings(site.settings_file)

    def factory(account: NetworkSettings) -> Scripted:
        return publishers[account.network]

    async def main() -> Report:
        async with httpx.AsyncClient(timeout=5) as client:
            return await syndicate(
                read_posts(settings),
                configured_networks(ENV),
                store=StateStore(site.state),
                authors=settings["AGORA_AUTHORS"],
                env=ENV,
                client=client,
                publisher_factory=factory,
            )

    return asyncio.run(main())


def two_posts(site: Site) -> StateStore:
    site.add_post("a.md", post_file("premier", date="2025-11-01 09:00"))
    site.add_post("b.md", post_file("second", date="2025-11-02 09:00"))
    site.build()
    return StateStore(site.state)


def test_rate_limited_beyond_the_bound_stays_pending_and_the_other_network_goes_on(
    site: Site,
) -> None:
    store = two_posts(site)
    bluesky = Scripted("bluesky", store)
    limited = RateLimited(
        "Mastodon at x is rate-limiting brand; the post stays pending for the next run.",
        network="mastodon",
        retry_after=3600,
    )
    mastodon = Scripted("mastodon", store, failures=[limited])

    report = run(site, {"bluesky": bluesky, "mastodon": mastodon})

    assert report.exit_code == 0  # waiting is not failing
    assert report.count("bluesky", Action.POSTED) == 2
    assert report.count("mastodon", Action.PENDING) == 2
    # Looked for first (a copy whose state was lost), then tried; the second post was not tried.
    assert [c[0] for c in mastodon.calls] == ["find", "publish"]
    pending = store.load("premier.fr").copies["mastodon"]
    assert pending.status is CopyStatus.PENDING
    assert "mastodon" not in store.load("second.fr").copies  # no intent without a call

    report = run(site, {"bluesky": bluesky, "mastodon": mastodon})

    assert report.count("mastodon", Action.POSTED) == 2
    assert report.count("bluesky", Action.ALREADY) == 2
    # The pending intent was looked up first, then published under the same key.
    assert mastodon.calls[2:4] == [
        ("find", "premier.fr", pending.key),
        ("publish", "premier.fr", pending.key),
    ]


def test_an_outage_is_a_failure_and_loses_nothing(site: Site) -> None:
    store = two_posts(site)
    down = Unavailable("Bluesky at x is failing (503: down); try again later.", network="bluesky")
    bluesky = Scripted("bluesky", store, failures=[down])
    mastodon = Scripted("mastodon", store)

    report = run(site, {"bluesky": bluesky, "mastodon": mastodon})

    assert report.exit_code == 1
    assert [o.message for o in report.failed] == [str(down)]
    assert report.count("bluesky", Action.PENDING) == 1  # not tried after the outage
    assert report.count("mastodon", Action.POSTED) == 2
    key = store.load("premier.fr").copies["bluesky"].key

    report = run(site, {"bluesky": bluesky, "mastodon": mastodon})

    assert report.exit_code == 0
    assert report.count("bluesky", Action.POSTED) == 2
    assert ("publish", "premier.fr", key) in bluesky.calls[2:]
    assert len({c[2] for c in bluesky.calls if c[1] == "premier.fr"}) == 1  # one key, always
    assert len(bluesky.published) == 2
