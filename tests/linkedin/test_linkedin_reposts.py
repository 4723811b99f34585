"""Reposts on LinkedIn come home as a number: LinkedIn counts them and names nobody.

On the LinkedIn double (``sandbox.linkedin``): the page's copies are counted through the
Organization Share Statistics finder, an employee's through Member Post Analytics; a token without
the statistics' permission costs one sentence and the comments are read all the same; a copy the
statistics leave out (LinkedIn's 12-month window) keeps the number it had.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from sandbox.linkedin import LinkedInServer
from syndication.backfeed.engine import Backfeed
from syndication.model import Copy, CopyStatus, InteractionKind, Post, PostState, utc_now
from syndication.networks.base import Draft
from syndication.networks.linkedin.client import LinkedInClient
from syndication.networks.linkedin.settings import LinkedInSettings
from syndication.store.once import record_published
from syndication.store.state import StateStore

pytestmark = pytest.mark.linkedin
KEY = "freins.fr"
STATISTICS = "/rest/organizationalEntityShareStatistics"


def page_settings(server: LinkedInServer) -> LinkedInSettings:
    return LinkedInSettings(
        api_url=server.base_url,
        oauth_url=server.base_url,
        organization=server.organization,
        version="202611",
        access_token=server.brand_token,
    )


def employee_settings(server: LinkedInServer) -> LinkedInSettings:
    camille = server.account("camille")
    return LinkedInSettings(
        api_url=server.base_url,
        oauth_url=server.base_url,
        organization=server.organization,
        version="202611",
        access_token=camille.token,
        person=camille.person_id,
    )


def publish(settings: LinkedInSettings) -> Copy:
    """A fresh copy of a post, published on the double by ``settings``'s account."""
    post = Post(
        key=KEY,
        slug="freins",
        lang="fr",
        title="Freins",
        summary="",
        url="https://blogue.example/freins/",
        date=datetime(2026, 11, 30, tzinfo=UTC),
        author="Camille Tremblay",
    )
    text = f"Freins {post.url} {uuid.uuid4().hex[:8]}"
    draft = Draft("linkedin", post, text, len(text), 3000, False, None, "fr", "", "")

    async def main() -> Copy:
        async with httpx.AsyncClient(timeout=30) as http:
            copy = Copy("linkedin", CopyStatus.PENDING, uuid.uuid4().hex, intent_at=utc_now())
            record_published(copy, await LinkedInClient(settings, http).publish(draft, copy.key))
            return copy

    return asyncio.run(main())


def backfeed(store: StateStore, settings: LinkedInSettings) -> list[str]:
    """One full backfeed run; the report's failures."""

    async def main() -> list[str]:
        async with httpx.AsyncClient(timeout=30) as http:
            readers = {"linkedin": LinkedInClient(settings, http)}
            report = await Backfeed(store, readers, http).run(full=True)
            return [] if report.ok else report.lines()

    return asyncio.run(main())


def test_a_missing_permission_is_one_sentence_and_the_comments_still_come_home(
    tmp_path: Path, linkedin_server: LinkedInServer, caplog: pytest.LogCaptureFixture
) -> None:
    settings = page_settings(linkedin_server)
    copy = publish(settings)
    store = StateStore(tmp_path / "state")
    store.save(PostState(key=KEY, copies={"linkedin": copy}))
    linkedin_server.comment("noor", copy.id, "Et les freins à disque ?")
    linkedin_server.repost("lea", copy.id)
    linkedin_server.repost("samuel", copy.id)

    # A token without rw_organization_admin: LinkedIn refuses the statistics (403).
    linkedin_server.fault(STATISTICS, 403, times=1)
    with caplog.at_level(logging.INFO):
        assert backfeed(store, settings) == []
    state = store.load(KEY)
    assert [i.content_text for i in state.interactions.values()] == ["Et les freins à disque ?"]
    assert state.copies["linkedin"].counted == {}
    [said] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert "rw_organization_admin" in said and "comments and reactions are read" in said
    assert said.count(". ") == 0 and said.endswith(".")
    assert settings.access_token not in caplog.text

    # With the permission: both reposts counted, no interaction made of them.
    assert backfeed(store, settings) == []
    state = store.load(KEY)
    assert state.copies["linkedin"].counted == {"repost": 2}
    assert InteractionKind.REPOST not in {i.kind for i in state.interactions.values()}

    # Past LinkedIn's 12-month window the statistics leave the copy out: its number stays.
    linkedin_server.fault(STATISTICS, 200, body={"elements": [], "paging": {}}, times=1)
    assert backfeed(store, settings) == []
    assert store.load(KEY).copies["linkedin"].counted == {"repost": 2}


def test_an_employees_copy_is_counted_by_member_post_analytics(
    linkedin_server: LinkedInServer,
) -> None:
    settings = employee_settings(linkedin_server)
    copy = publish(settings)
    for reader in ("lea", "samuel", "noor"):
        linkedin_server.repost(reader, copy.id)
    linkedin_server.reset_requests()

    async def main() -> int | None:
        async with httpx.AsyncClient(timeout=30) as http:
            counts = await LinkedInClient(settings, http).counts([copy])
            return counts[copy.id].reposts if counts else None

    assert asyncio.run(main()) == 3
    requests = linkedin_server.requests()
    assert requests.get("GET /rest/memberCreatorPostAnalytics") == 1
    assert STATISTICS not in " ".join(requests)  # a person has no organization statistics


def test_an_employee_token_without_post_analytics_is_one_sentence_and_asked_once(
    linkedin_server: LinkedInServer, caplog: pytest.LogCaptureFixture
) -> None:
    settings = employee_settings(linkedin_server)
    copies = [publish(settings) for _ in range(3)]
    linkedin_server.fault("/rest/memberCreatorPostAnalytics", 403, times=2)
    linkedin_server.reset_requests()

    async def main() -> list[int | None]:
        async with httpx.AsyncClient(timeout=30) as http:
            adapter = LinkedInClient(settings, http)
            first = await adapter.counts(copies[:2])
            again = await adapter.counts(copies[2:])  # a later batch of the same run
            return [c.reposts for c in [*(first or {}).values(), *(again or {}).values()]]

    with caplog.at_level(logging.WARNING):
        assert asyncio.run(main()) == [None, None, None]
    [said] = [r.getMessage() for r in caplog.records]
    assert "r_member_postAnalytics" in said and settings.token_variable in said
    assert settings.access_token not in said
    # Refused in the first batch (its two copies asked at once): the later one does not ask.
    assert linkedin_server.requests().get("GET /rest/memberCreatorPostAnalytics") == 2


def test_the_pages_counts_leave_an_employees_copy_out_instead_of_failing(
    linkedin_server: LinkedInServer, caplog: pytest.LogCaptureFixture
) -> None:
    # The backfeed reads every copy with the page's token; LinkedIn would refuse the whole
    # statistics request for a post of another author.
    page = publish(page_settings(linkedin_server))
    hers = publish(employee_settings(linkedin_server))
    linkedin_server.repost("lea", page.id)
    linkedin_server.repost("lea", hers.id)

    async def main() -> dict[str, int | None]:
        async with httpx.AsyncClient(timeout=30) as http:
            counts = await LinkedInClient(page_settings(linkedin_server), http).counts([page, hers])
            return {urn: c.reposts for urn, c in (counts or {}).items()}

    with caplog.at_level(logging.WARNING):
        assert asyncio.run(main()) == {page.id: 1, hers.id: None}
    assert caplog.records == []
