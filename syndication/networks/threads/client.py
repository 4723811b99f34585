"""The Threads adapter's I/O: publish a text with its link exactly once, answer, read replies.

Implements ``Adapter`` (``syndication.networks.base``) over Meta's Threads API through the
shared Graph client (``syndication.networks.meta_graph``: requests, paging, the error object);
the JSON is converted by ``convert``. Threads follows Graph's conventions at its own host
(``https://graph.threads.net/v1.0``) and has no machine-readable spec: each call follows the
reference page linked here.

- Publishing is a container, then its publication
  (https://developers.facebook.com/docs/threads/posts): ``POST /{threads-user-id}/threads``
  (``media_type=TEXT``, ``text``, ``link_attachment``: the page's preview) answers the
  container's id; its ``status`` (https://developers.facebook.com/docs/threads/troubleshooting:
  ``IN_PROGRESS``, ``FINISHED``, ``PUBLISHED``, ``ERROR`` with ``error_message``, ``EXPIRED``
  after 24 hours) is read until ``FINISHED``, with a bounded wait, then
  ``POST /{threads-user-id}/threads_publish`` (``creation_id``) answers the post's id.
- The profile's posts: ``GET /{threads-user-id}/threads`` (``since``, ``limit``, newest first;
  https://developers.facebook.com/docs/threads/threads-media#retrieve-a-list-of-all-a-user-s-threads).
- Mentions: ``GET /{threads-user-id}/mentions`` (``since``, ``until``, ``limit``),
  https://developers.facebook.com/docs/threads/threads-mentions (see the quirks below).
- Replies: ``GET /{media-id}/conversation`` (every reply at any depth, ``reverse=false`` for
  time order) and ``GET /{media-id}/replies`` (the direct ones),
  https://developers.facebook.com/docs/threads/retrieve-and-manage-replies/replies-and-conversations;
  an answer is a container with ``reply_to_id``, then published
  (https://developers.facebook.com/docs/threads/retrieve-and-manage-replies/create-replies).
- The token: ``GET /debug_token?input_token=``
  (https://developers.facebook.com/docs/threads/troubleshooting/debug-access-token): valid,
  its scopes, ``issued_at`` and ``expires_at`` (a long-lived token lasts 60 days,
  https://developers.facebook.com/docs/threads/get-started/long-lived-tokens); once a day old
  it is refreshed for another 60 days with ``GET /refresh_access_token`` (no version in the
  address), which ``invoke tokens --refresh`` does.

Quirks of the network recorded here:

- **No idempotency key.** ``find_published`` reads the profile's posts since the post's date
  for one whose link attachment (or text) is the page. A container is only ever published once
  (Threads refuses a second ``threads_publish`` of it): a publication whose answer was lost is
  looked up, not sent again. Threads lists no unpublished container, so the one made for a
  post's key is noted in the pending intent (``resume``, ``meta_graph.Containers``): a run
  after a process stopped between the two calls publishes it instead of making another, and
  makes a new one only when it expired (24 hours) or failed. An answer's container is kept in
  memory for the run only (the desk's intents take no note).
- **Replies only.** Threads lists neither who liked nor who reposted a post (only their counts,
  through insights), and it has no batch or ``?ids=`` request and no notification stream an
  app reads without a public webhook endpoint: each copy due by the schedule is read whole.
- **Mentions from the documentation, not the spec file.** Meta's spec of the account
  (``ThreadsUser.json``) lists no edges, but its Threads Mentions page
  (https://developers.facebook.com/docs/threads/threads-mentions) describes
  ``GET /{threads-user-id}/mentions`` (``fields``, ``since``, ``until``, ``limit``, cursors;
  permission ``threads_manage_mentions``): the public media in which another profile tagged
  the company's. ``notifications`` reads it since its cursor like Facebook's ``tagged`` edge
  (``GraphClient.newer_items``, the ids of the newest second kept), with ``since`` at the
  cursor's second (never below 1688540400, Meta's earliest); each is a mention of the company
  outside our copies, answered with a Threads reply (``reply``: a container with
  ``reply_to_id``, then published). A first run only sets the cursor.
- **Hidden replies** (``hide_status``) are left out with every reply under them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import httpx

from syndication.errors import NotFound, Rejected
from syndication.model import Copy, Interaction, InteractionKind, utc_now
from syndication.networks.base import (
    READ_KINDS,
    Activity,
    Counts,
    CredentialStatus,
    Draft,
    ProgressNote,
    Published,
    Renewed,
    RetryPolicy,
    Sleep,
    TextLimits,
)
from syndication.networks.meta_graph import (
    DEFAULT_POLICY,
    Containers,
    ContainerStatus,
    GraphAccount,
    GraphClient,
    graph_time,
    read_time_cursor,
)
from syndication.networks.threads import convert
from syndication.networks.threads.settings import TOKEN_VARIABLE, ThreadsSettings

LABEL = "Threads"
OWN_POSTS_PAGE = 25
MAX_OWN_PAGES = 10
CLOCK_MARGIN = timedelta(hours=1)
# Meta advises waiting for a container before publishing it; a text one is ready at once.
CONTAINER_STATUS = ContainerStatus(
    status_field="status",
    reason_field="error_message",
    error_advice="correct the post and run again",
    delays=(0.5, 1.0, 2.0, 4.0, 8.0, 15.0),
)
REFRESH_AFTER = timedelta(days=1)  # Threads refreshes a long-lived token a day old or more
NEEDED_SCOPES = (
    "threads_basic",
    "threads_content_publish",
    "threads_read_replies",
    "threads_manage_replies",
    "threads_manage_mentions",
)
# Meta's Threads Mentions page: ``since`` is at least this (2023-07-05, Threads' launch).
MENTIONS_EARLIEST = 1688540400

Json = Mapping[str, Any]


def renew_steps() -> str:
    """What a person does to get a new Threads token (Meta's own steps)."""
    return (
        "while it is valid, refresh it with GET https://graph.threads.net/refresh_access_token"
        "?grant_type=th_refresh_token and the token as access_token (it must be a day old) and "
        f"put the answered token in {TOKEN_VARIABLE}; once expired, sign in to the company's "
        "Threads profile through the Threads app's authorization window with "
        f"{', '.join(NEEDED_SCOPES)}, exchange the short-lived token for a long-lived one "
        "(GET /access_token?grant_type=th_exchange_token) and put that in "
        f"{TOKEN_VARIABLE}; it lasts 60 days"
    )


class ThreadsClient:
    """The company's Threads profile: publisher, replier and reader."""

    network = convert.NETWORK
    counts_batch = 0  # Threads counts nothing in batches

    def __init__(
        self,
        settings: ThreadsSettings,
        client: httpx.AsyncClient,
        company_accounts: Sequence[str] = (),
        *,
        policy: RetryPolicy = DEFAULT_POLICY,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.user_id = settings.user_id
        self.company = frozenset(company_accounts)
        self.sleep = sleep
        self.account = f"the Threads profile {settings.user_id}"
        self.graph = GraphClient(
            client,
            graph_url=settings.graph_url,
            version=settings.version,
            token=settings.access_token,
            who=GraphAccount(
                network=self.network,
                label=LABEL,
                account=self.account,
                credential_variable=TOKEN_VARIABLE,
                renew=renew_steps(),
                permissions=", ".join(NEEDED_SCOPES),
            ),
            policy=policy,
            sleep=sleep,
        )
        # Containers made and not yet published, by the intent's key (see the docstring).
        self.containers = Containers(self.graph, self.graph.who, CONTAINER_STATUS, sleep)

    # -- the container flow ---------------------------------------------------------------------

    async def _publish_container(self, key: str, container: str) -> Json:
        """Publish ``container``; the post as Threads shows it (``MEDIA_FIELDS``)."""
        status = await self.containers.wait(key, container, convert.CONTAINER_FIELDS)
        if status == "PUBLISHED":  # by a call whose answer was lost: looked up, never re-sent
            raise self.containers.published_unlisted(key)
        answer = await self.graph.post(
            f"{self.user_id}/threads_publish", {"creation_id": container}
        )
        media_id = str(answer.get("id") or "")
        if not media_id:
            raise Rejected(
                f"Threads answered the publication of {self.account} without its id.",
                network=self.network,
            )
        self.containers.done(key)
        return await self.graph.get(media_id, {"fields": convert.MEDIA_FIELDS})

    # -- Publisher ------------------------------------------------------------------------------

    async def text_limits(self) -> TextLimits:
        """500 characters, an emoji counting its UTF-8 bytes (Threads' rule; no call)."""
        return TextLimits(convert.MAX_LENGTH)

    async def publish(self, draft: Draft, key: str) -> Published:
        """Post the draft's text with the page attached as its link preview."""
        sent_at = utc_now()
        link = draft.card.url if draft.card else draft.post.url
        params = {"media_type": "TEXT", "text": draft.text, "link_attachment": link}
        container = await self.containers.make(
            key, f"{self.user_id}/threads", params, convert.CONTAINER_FIELDS
        )
        media = await self._publish_container(key, container)
        return convert.published(media, self.settings.account, sent_at)

    def resume(self, key: str, noted: Mapping[str, str], note: ProgressNote) -> None:
        """Take up the container an earlier run noted for ``key`` (``base.Resumable``)."""
        self.containers.resume(key, noted, note)

    async def find_published(self, key: str, draft: Draft) -> Published | None:
        """The copy posted earlier: a post of the profile since the post's date linking to it."""
        since = draft.post.date - CLOCK_MARGIN
        page = await self.graph.get(
            f"{self.user_id}/threads",
            {
                "fields": convert.MEDIA_FIELDS,
                "since": str(int(since.timestamp())),
                "limit": str(OWN_POSTS_PAGE),
            },
        )
        for _ in range(MAX_OWN_PAGES):
            for media in page.get("data") or []:
                if isinstance(media, Mapping) and convert.links_to(media, draft.post.url):
                    return convert.published(media, self.settings.account, utc_now())
            paging = page.get("paging")
            address = paging.get("next") if isinstance(paging, Mapping) else None
            if not isinstance(address, str) or not address:
                break
            page = await self.graph.follow(address)
        return None

    # -- Replier --------------------------------------------------------------------------------

    def reply_text(self, parent: Interaction, text: str) -> str:
        """The answer as sent: Threads tells the author of what it answers; no mention."""
        return text

    async def reply(self, parent: Interaction, root: Copy, text: str, key: str) -> Published:
        """Answer ``parent`` (a reply at any depth) as the profile."""
        sent_at = utc_now()
        params = {"media_type": "TEXT", "text": text, "reply_to_id": parent.id}
        container = await self.containers.make(
            key, f"{self.user_id}/threads", params, convert.CONTAINER_FIELDS
        )
        media = await self._publish_container(key, container)
        return convert.published(media, self.settings.account, sent_at)

    async def find_reply(self, key: str, parent: Interaction, text: str) -> Published | None:
        """The answer sent earlier: a reply of the profile to ``parent`` with this text."""
        first = await self.graph.get(
            f"{parent.id}/replies",
            {"fields": convert.REPLY_FIELDS, "reverse": "true"},
        )
        for reply in await self.graph.all_items(first):
            created = graph_time(reply.get("timestamp"))
            if (
                reply.get("is_reply_owned_by_me") is True
                and created is not None
                and created >= parent.published_at - timedelta(seconds=1)
                and convert.same_text(reply, text)
            ):
                return convert.published(reply, self.settings.account, created)
        return None

    # -- Reader ---------------------------------------------------------------------------------

    def kinds_readable(self, copy: Copy) -> frozenset[InteractionKind]:
        """Replies: Threads does not list likes or reposts (see the module's docstring)."""
        return READ_KINDS & {InteractionKind.REPLY}

    async def counts(self, copies: Sequence[Copy]) -> dict[str, Counts] | None:
        """None: Threads has no batch or ``?ids=`` request to count many copies at once."""
        return None

    async def conversation(
        self, copy: Copy, kinds: frozenset[InteractionKind] = READ_KINDS
    ) -> list[Interaction]:
        """Every shown reply of the copy at any depth, threaded; NotFound when it is gone."""
        if InteractionKind.REPLY not in kinds:
            return []
        try:
            first = await self.graph.get(
                f"{copy.id}/conversation",
                {"fields": convert.REPLY_FIELDS, "reverse": "false", "limit": str(convert.PAGE)},
            )
        except NotFound:
            raise NotFound(
                f"the Threads copy {copy.url or copy.id} no longer exists.",
                network=self.network,
                status=404,
            ) from None
        replies = await self.graph.all_items(first)
        return convert.replies_from_conversation(replies, copy.id, self.company)

    async def notifications(self, cursor: str) -> tuple[list[Activity], str]:
        """Posts that tag the profile after ``cursor`` (oldest first), as mentions, and the
        next cursor (``meta_graph.time_cursor``: the newest ``timestamp`` read, and the posts of
        that second).

        Threads gives new replies to webhooks only (a public endpoint CI does not have): the
        schedule reads the threads due. The ``mentions`` edge
        (https://developers.facebook.com/docs/threads/threads-mentions) is read from the
        cursor's second on (``since``, which Meta wants at least ``MENTIONS_EARLIEST`` and
        before now); a first run only learns where the next starts.
        """
        since, _ = read_time_cursor(cursor)
        params: dict[str, str] = {}
        if since is not None:
            now = int(utc_now().timestamp())
            params["since"] = str(max(MENTIONS_EARLIEST, min(int(since.timestamp()), now - 1)))
        media, next_cursor = await self.graph.newer_items(
            f"{self.user_id}/mentions", convert.MENTION_FIELDS, "timestamp", cursor, params
        )
        items = [
            item
            for found in media
            if (item := convert.mention_from_media(found, self.company)) is not None
        ]
        return [Activity.heard(i) for i in items], next_cursor

    # -- tokens ---------------------------------------------------------------------------------

    refresh_after = REFRESH_AFTER

    async def refresh_credential(self) -> Renewed:
        """The profile's long-lived token refreshed for 60 days (``base.Refreshable``):
        ``GET https://graph.threads.net/refresh_access_token?grant_type=th_refresh_token``, at
        Threads' host without a version
        (https://developers.facebook.com/docs/threads/get-started/long-lived-tokens)."""
        address = f"{self.settings.graph_url.rstrip('/')}/refresh_access_token"
        return await self.graph.refresh_token(address, "th_refresh_token")

    async def credential_status(self) -> CredentialStatus:
        """The token's introspection: valid, a USER token of this profile with the five
        permissions; its expiry (60 days after it was made or refreshed)."""
        info, status = await self.graph.token_status(token_type="USER", needed=NEEDED_SCOPES)
        user = str(info.get("user_id") or "")
        if user and user != self.user_id:
            raise Rejected(
                f"Threads says the token in {TOKEN_VARIABLE} is the token of the Threads user "
                f"{user}, not of {self.account}; {renew_steps()}.",
                network=self.network,
            )
        return status
