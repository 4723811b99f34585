"""The Instagram adapter's I/O: publish an image with its caption exactly once, answer, read.

Implements ``Adapter`` (``syndication.networks.base``) over Instagram's Graph API with Facebook
Login, through the shared Graph client (``syndication.networks.meta_graph``: requests, paging,
the error object); the JSON is converted by ``convert``. Pages followed:

- Publishing (https://developers.facebook.com/docs/instagram-platform/content-publishing):
  ``POST /{ig-user-id}/media`` (``image_url``: Instagram fetches the image from that public
  address; ``caption``) answers a container's id; its ``status_code``
  (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-container:
  ``IN_PROGRESS``, ``FINISHED``, ``PUBLISHED``, ``ERROR``, ``EXPIRED`` after 24 hours) is read
  until ``FINISHED``, with a bounded wait, then ``POST /{ig-user-id}/media_publish``
  (``creation_id``) answers the media's id.
- The publishing limit: ``GET /{ig-user-id}/content_publishing_limit?fields=config,quota_usage``
  (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/content_publishing_limit),
  read before a container is made: a reached limit leaves the post pending.
- The account's media: ``GET /{ig-user-id}/media`` (``since``, newest first;
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media).
- Comments: ``GET /{ig-media-id}/comments`` with their ``replies`` expanded,
  ``POST /{ig-comment-id}/replies`` (``message``), ``GET /{ig-comment-id}?fields=parent_id``
  (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments,
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment/replies).
- Mentions: ``GET /{ig-user-id}/tags`` (media of other accounts the account is tagged in,
  newest first; Meta's spec ``IGUser.json`` gives it no ``since``;
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/tags),
  read down to the cursor by ``notifications``: each is a mention of the company outside our
  copies, answered with ``POST /{ig-media-id}/comments`` (``message``;
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments).
  The ``mentioned_media`` and ``mentioned_comment`` fields of ``IGUser`` are not read: each
  takes the id of a media or a comment that only a webhook gives (a caption or a comment that
  @mentions the account without tagging it is not heard).
- The token: ``GET /debug_token`` (``meta_graph.GraphClient.token_status``); one that expires
  is refreshed with ``GET /refresh_access_token?grant_type=ig_refresh_token`` at
  ``AGORA_INSTAGRAM_REFRESH_URL`` (graph.instagram.com).

Quirks recorded here:

- **An image, no link.** A post needs an image (the post's own, else its social card, by its
  public address: the engine publishes once the page is live); a caption's link is not
  clickable, so the caption says where to read the post (``convert.caption``).
- **JPEG only.** A social card is a PNG; Instagram is given its JPEG twin beside it, which the
  build writes while the post has no Instagram copy (``convert.image_url``). Any other image
  that is not a JPEG is refused in one sentence before anything is sent.
- **No idempotency key.** ``find_published`` reads the account's media since the post's date
  for one whose caption names the post's title (two posts of the same title published within an
  hour of each other would be taken for one). Instagram lists no unpublished container, so the
  one made for a key is noted in the pending intent (``resume``, ``meta_graph.Containers``): a
  run after a process stopped between the two calls publishes it instead of making another,
  and makes a new one only when it expired (24 hours) or failed.
- **Comments nest once**; hidden comments (``hidden``) are left out with their replies. An
  answer goes under the top-level comment, addressed to the author with an @mention.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import httpx

from syndication.errors import NotFound, RateLimited, Rejected
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
from syndication.networks.instagram import convert
from syndication.networks.instagram.settings import TOKEN_VARIABLE, InstagramSettings
from syndication.networks.meta_graph import (
    DEFAULT_POLICY,
    Containers,
    ContainerStatus,
    GraphAccount,
    GraphClient,
    graph_time,
)

LABEL = "Instagram"
OWN_MEDIA_PAGE = 25
MAX_OWN_PAGES = 10
CLOCK_MARGIN = timedelta(hours=1)
# Meta advises reading a container's status about once a minute for at most five minutes; an
# image is usually ready within seconds.
CONTAINER_STATUS = ContainerStatus(
    status_field="status_code",
    reason_field="status",
    error_advice="check that the image is a JPEG Instagram can fetch and run again",
    delays=(1.0, 2.0, 4.0, 8.0, 15.0, 30.0),
)
REFRESH_AFTER = timedelta(days=1)  # Meta refreshes a long-lived token a day old or more
NEEDED_SCOPES = (
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "pages_read_engagement",
)

Json = Mapping[str, Any]


def renew_steps() -> str:
    """What a person does to get a new token (Meta's own steps, Facebook Login for Business)."""
    return (
        "in Meta Business Suite, Business settings > Users > System users, give the system user "
        "the Page linked to the Instagram account, generate a token for the company's app with "
        f"{', '.join(NEEDED_SCOPES)}, read the Page's token with GET /me/accounts and put it in "
        f"{TOKEN_VARIABLE} (a system user's token does not expire)"
    )


class InstagramClient:
    """The company's Instagram professional account: publisher, replier and reader."""

    network = convert.NETWORK
    counts_batch = 0  # comments are read whole; nothing is counted in batches

    def __init__(
        self,
        settings: InstagramSettings,
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
        self.account = f"the Instagram account {settings.user_id}"
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

    # -- publishing -----------------------------------------------------------------------------

    def _image(self, draft: Draft) -> str:
        """The image's public address (``convert.image_url``: a social card's JPEG twin);
        Rejected when there is none, or when it is not a JPEG."""
        image = convert.image_url(draft, self.account)
        if not image:
            raise Rejected(
                f"Instagram takes only images and {draft.post.key} has neither an image of its "
                f"own nor a social card, so nothing was posted to {self.account}; give the post "
                "an image and run again.",
                network=self.network,
            )
        return image

    async def _check_quota(self) -> None:
        """RateLimited when the account's 24-hour publishing limit is reached."""
        answer = await self.graph.get(
            f"{self.user_id}/content_publishing_limit", {"fields": "config,quota_usage"}
        )
        data = answer.get("data")
        first = data[0] if isinstance(data, list) and data else {}
        usage = first.get("quota_usage") if isinstance(first, Mapping) else None
        config = first.get("config") if isinstance(first, Mapping) else None
        total = config.get("quota_total") if isinstance(config, Mapping) else None
        if isinstance(usage, int) and isinstance(total, int) and usage >= total:
            raise RateLimited(
                f"Instagram's publishing limit of {self.account} is reached ({usage} of {total} "
                "posts in 24 hours); the post stays pending and goes out on a later run.",
                network=self.network,
            )

    async def text_limits(self) -> TextLimits:
        """2,200 characters less room for the line saying where to read the post (no call)."""
        return TextLimits(convert.MAX_CAPTION - convert.LEAD_ROOM)

    async def publish(self, draft: Draft, key: str) -> Published:
        """Post the draft's image with its caption (``convert.caption``)."""
        sent_at = utc_now()
        image = self._image(draft)
        text = convert.caption(draft, self.settings.blog_name)
        if key not in self.containers.made:
            await self._check_quota()
        params = {"image_url": image, "caption": text}
        fields = convert.CONTAINER_FIELDS
        container = await self.containers.make(key, f"{self.user_id}/media", params, fields)
        status = await self.containers.wait(key, container, fields)
        if status == "PUBLISHED":
            # Published by a call whose answer was lost: the media is looked up, not sent again.
            found = await self.find_published(key, draft)
            if found is not None:
                self.containers.done(key)
                return found
            raise self.containers.published_unlisted(key)
        answer = await self.graph.post(f"{self.user_id}/media_publish", {"creation_id": container})
        media_id = str(answer.get("id") or "")
        if not media_id:
            raise Rejected(
                f"Instagram answered the publication of {self.account} without its id.",
                network=self.network,
            )
        self.containers.done(key)
        media = await self.graph.get(media_id, {"fields": convert.MEDIA_FIELDS})
        return convert.published(media, self.settings.account, sent_at)

    def resume(self, key: str, noted: Mapping[str, str], note: ProgressNote) -> None:
        """Take up the container an earlier run noted for ``key`` (``base.Resumable``)."""
        self.containers.resume(key, noted, note)

    async def find_published(self, key: str, draft: Draft) -> Published | None:
        """The copy posted earlier: a media of the account since the post's date whose caption
        names the post's title."""
        since = draft.post.date - CLOCK_MARGIN
        page = await self.graph.get(
            f"{self.user_id}/media",
            {
                "fields": "caption,permalink,timestamp",
                "since": str(int(since.timestamp())),
                "limit": str(OWN_MEDIA_PAGE),
            },
        )
        for _ in range(MAX_OWN_PAGES):
            for media in page.get("data") or []:
                if isinstance(media, Mapping) and convert.names_post(media, draft.post):
                    return convert.published(media, self.settings.account, utc_now())
            paging = page.get("paging")
            address = paging.get("next") if isinstance(paging, Mapping) else None
            if not isinstance(address, str) or not address:
                break
            page = await self.graph.follow(address)
        return None

    # -- Replier --------------------------------------------------------------------------------

    def reply_text(self, parent: Interaction, text: str) -> str:
        """The answer as sent: addressed to the comment's author (``@username``), as Instagram's
        own app does, since every answer goes under the top-level comment."""
        handle = parent.author.handle
        if not handle or text.startswith(f"@{handle}"):
            return text
        return f"@{handle} {text}"

    async def reply(self, parent: Interaction, root: Copy, text: str, key: str) -> Published:
        """Answer ``parent`` under its top-level comment (comments nest once); a mention (a media
        that tags the account, ``parent`` being the media itself) with a comment on it."""
        sent_at = utc_now()
        if parent.id == root.id:
            path = f"{parent.id}/comments"
        else:
            head = parent.id if parent.in_reply_to in ("", root.id) else parent.in_reply_to
            path = f"{head}/replies"
        answer = await self.graph.post(path, {"message": self.reply_text(parent, text)})
        reply_id = str(answer.get("id") or "")
        if not reply_id:
            raise Rejected(
                f"Instagram answered the reply of {self.account} without its id.",
                network=self.network,
            )
        return Published(reply_id, root.url, sent_at, self.settings.account)

    async def find_reply(self, key: str, parent: Interaction, text: str) -> Published | None:
        """The answer sent earlier: a reply of the account under ``parent``'s top-level comment
        (a comment on it, for a mention: a media) with this text, made after ``parent``."""
        if parent.kind is InteractionKind.MENTION:
            first = await self.graph.get(
                f"{parent.id}/comments", {"fields": convert.COMMENT_FIELDS}
            )
        else:
            node = await self.graph.get(parent.id, {"fields": "id,parent_id"})
            head = str(node.get("parent_id") or "") or parent.id
            first = await self.graph.get(f"{head}/replies", {"fields": convert.REPLY_FIELDS})
        wanted = self.reply_text(parent, text)
        for reply in await self.graph.all_items(first):
            created = graph_time(reply.get("timestamp"))
            if (
                convert.is_by(reply, self.user_id)
                and created is not None
                and created >= parent.published_at - timedelta(seconds=1)
                and convert.same_text(reply, wanted)
            ):
                return Published(str(reply.get("id") or ""), parent.url, created, self.user_id)
        return None

    # -- Reader ---------------------------------------------------------------------------------

    def kinds_readable(self, copy: Copy) -> frozenset[InteractionKind]:
        """Comments and their replies: Instagram lists no one who liked a post."""
        return READ_KINDS & {InteractionKind.REPLY}

    async def counts(self, copies: Sequence[Copy]) -> dict[str, Counts] | None:
        """None: the comments are read whole by ``conversation``."""
        return None

    async def conversation(
        self, copy: Copy, kinds: frozenset[InteractionKind] = READ_KINDS
    ) -> list[Interaction]:
        """Every shown comment of the copy and their shown replies, threaded; NotFound when
        the copy is gone. One request per copy: the replies come expanded."""
        if InteractionKind.REPLY not in kinds:
            return []
        fields = f"{convert.COMMENT_FIELDS},replies{{{convert.COMMENT_FIELDS}}}"
        try:
            first = await self.graph.get(f"{copy.id}/comments", {"fields": fields})
        except NotFound:
            raise NotFound(
                f"the Instagram copy {copy.url or copy.id} no longer exists.",
                network=self.network,
                status=404,
            ) from None
        found: list[Interaction] = []
        for comment in await self.graph.all_items(first):
            top = convert.interaction(comment, copy.id, copy.url, self.user_id, self.company)
            if top is None:  # hidden: its replies with it
                continue
            found.append(top)
            replies = comment.get("replies")
            items = await self.graph.all_items(replies) if isinstance(replies, Mapping) else []
            for reply in items:
                made = convert.interaction(reply, top.id, copy.url, self.user_id, self.company)
                if made is not None:
                    found.append(made)
        return convert.thread(found)

    async def notifications(self, cursor: str) -> tuple[list[Activity], str]:
        """Media that tag the account after ``cursor`` (oldest first), as mentions, and the next
        cursor (``meta_graph.time_cursor``: the newest ``timestamp`` read, and the media of that
        second).

        Instagram gives new comments to webhooks only (a public endpoint CI does not have): the
        schedule reads the copies due. The ``tags`` edge is newest first and takes no ``since``:
        ``GraphClient.newer_items`` reads it down to the cursor. A first run only learns where
        the next starts.
        """
        found, next_cursor = await self.graph.newer_items(
            f"{self.user_id}/tags", convert.TAGGED_FIELDS, "timestamp", cursor
        )
        items = [
            item
            for media in found
            if (item := convert.mention_from_media(media, self.company)) is not None
        ]
        activities = [Activity.heard(i) for i in items]
        return activities, next_cursor

    # -- tokens ---------------------------------------------------------------------------------

    refresh_after = REFRESH_AFTER

    async def refresh_credential(self) -> Renewed:
        """A token that expires refreshed for 60 days (``base.Refreshable``): ``GET
        https://graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token``
        (https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token);
        ``invoke tokens`` asks only for a token whose introspection gives an expiry, never for a
        system user's Page token, which has none."""
        address = f"{self.settings.refresh_url.rstrip('/')}/refresh_access_token"
        return await self.graph.refresh_token(address, "ig_refresh_token")

    async def credential_status(self) -> CredentialStatus:
        """The token's introspection: valid, with the four permissions; its expiry where Meta
        gives one (a system user's Page token has none)."""
        _info, status = await self.graph.token_status(token_type="", needed=NEEDED_SCOPES)
        return status
