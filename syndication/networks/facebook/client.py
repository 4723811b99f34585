"""The Facebook adapter's I/O: publish on the Page exactly once, answer, read the threads.

Implements ``Adapter`` (``syndication.networks.base``) over Meta's Graph API through
``syndication.networks.meta_graph`` (requests, errors, batches, the token's introspection);
the JSON is converted by ``convert``.

Upstream pages:
https://developers.facebook.com/docs/pages-api/posts (``POST /{page-id}/feed`` with ``message``
and ``link``; the link's preview comes from the page's OpenGraph tags),
https://developers.facebook.com/docs/graph-api/reference/page/published_posts,
https://developers.facebook.com/docs/graph-api/reference/page/tagged,
https://developers.facebook.com/docs/graph-api/reference/object/comments (``filter=stream``,
``order``, ``summary``; ``POST /{comment-id}/comments`` answers in the thread),
https://developers.facebook.com/docs/graph-api/reference/object/reactions (``type``,
``summary``),
https://developers.facebook.com/docs/pages-api/comments-mentions,
https://developers.facebook.com/docs/graph-api/making-multiple-requests,
https://developers.facebook.com/docs/graph-api/reference/debug_token.

Quirks of the network recorded here:

- **No idempotency key.** Before a retry, ``find_published`` reads the Page's published posts
  since the post's date for one whose text links to the page (the composer always writes the
  address). Graph also refuses the very same text twice in a row (error 506): ``publish`` then
  looks the earlier one up.
- **No notification stream** an app can read without a public webhook endpoint: new comments
  are found when a copy's counts say so. What ``notifications`` reads is the Page's ``tagged``
  edge (https://developers.facebook.com/docs/graph-api/reference/page/tagged: the posts the Page
  is tagged in, newest first; Meta's spec gives it no ``since``), down to the cursor (the newest
  ``created_time`` seen, and the posts of that second): each is a mention of the company
  outside our copies, which the engine keeps for the inbox; ``reply`` answers one with
  ``POST /{post-id}/comments``. The counts of 2,500 copies take one request: a batch of 50
  ``?ids=`` requests of 50 posts each. One id that no longer exists fails its ``ids=`` request (803,
  naming it): that request is sent again once without it, and the copy is left out of the
  answer (the engine then reads it whole and learns it is gone).
- **One request per thread.** A post's comments (``filter(stream)``: the answers too, each with
  its ``parent``) and its reactions of every kind are read in one request by field expansion.
- **Comments nest once**: an answer to an answer goes under the same top-level comment, as
  Facebook's own site does.
- **Shares**: Graph counts a post's shares (``shares.count``, read in the same batched ``?ids=``
  requests as the comments and reactions, so they cost nothing more) but lists only those public
  to the Page, so the two never agree: the list is not read (``kinds_readable``), the count is
  kept as the copy's reposts (``Copy.counted``) and the page shows it as a number of shares.
- **Employees** cannot be posted as (Graph has not published on a person's profile since 2018):
  a post goes out from the Page, signed by its author (the composer signs), and so does an answer
  (the desk signs it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import httpx

from syndication.errors import AgoraError, NotFound, Rejected
from syndication.model import Copy, Interaction, InteractionKind, utc_now
from syndication.networks.base import (
    READ_KINDS,
    Activity,
    Counts,
    CredentialStatus,
    Draft,
    Published,
    RetryPolicy,
    Sleep,
    TextLimits,
)
from syndication.networks.facebook import convert
from syndication.networks.facebook.settings import TOKEN_VARIABLE, FacebookSettings
from syndication.networks.meta_graph import (
    BATCH_LIMIT,
    DEFAULT_POLICY,
    IDS_LIMIT,
    GraphAccount,
    GraphClient,
    GraphFailure,
    check_graph,
    graph_time,
)

logger = logging.getLogger(__name__)

LABEL = "Facebook"
COUNTS_BATCH = BATCH_LIMIT * IDS_LIMIT
OWN_POSTS_PAGE = 25
MAX_OWN_PAGES = 10
CLOCK_MARGIN = timedelta(hours=1)
READABLE = frozenset({InteractionKind.REPLY, InteractionKind.LIKE})
NEEDED_SCOPES = (
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_read_user_content",
    "pages_manage_engagement",
)
DUPLICATE = 506  # "Duplicate status message"

Json = Mapping[str, Any]


def renew_steps() -> str:
    """What a person does to get a new Page token (Meta Business Suite, a system user)."""
    return (
        "in Meta Business Suite open Business settings > Users > System users, choose the "
        "system user that has the Page as an asset, Generate new token for the company's app "
        f"with {', '.join(NEEDED_SCOPES)}, read the Page's own token with it (GET "
        f"/{{page-id}}?fields=access_token) and put that in {TOKEN_VARIABLE}; it does not "
        "expire while the system user keeps its role on the Page"
    )


class FacebookClient:
    """The company's Facebook Page: publisher, replier and reader."""

    network = convert.NETWORK
    counts_batch = COUNTS_BATCH

    def __init__(
        self,
        settings: FacebookSettings,
        client: httpx.AsyncClient,
        *,
        policy: RetryPolicy = DEFAULT_POLICY,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.page_id = settings.page_id
        self.graph = GraphClient(
            client,
            graph_url=settings.graph_url,
            version=settings.version,
            token=settings.page_token,
            who=GraphAccount(
                network=self.network,
                label=LABEL,
                account=f"the Page {settings.page_id}",
                credential_variable=TOKEN_VARIABLE,
                renew=renew_steps(),
                permissions=", ".join(NEEDED_SCOPES),
            ),
            policy=policy,
            sleep=sleep,
        )

    # -- Publisher ------------------------------------------------------------------------------

    async def text_limits(self) -> TextLimits:
        """63,206 characters, links as long as they are (Facebook's rule; no call)."""
        return TextLimits(convert.MAX_LENGTH)

    async def publish(self, draft: Draft, key: str) -> Published:
        """Post the draft on the Page's feed with its link (the preview is the page's own)."""
        sent_at = utc_now()
        link = draft.card.url if draft.card else draft.post.url
        try:
            answer = await self.graph.post(
                f"{self.page_id}/feed", {"message": draft.text, "link": link}
            )
        except Rejected as error:
            if DUPLICATE_TEXT not in str(error):
                raise
            # The same text twice is refused: the first went out (its answer was lost).
            found = await self.find_published(key, draft)
            if found is not None:
                return found
            raise
        post_id = str(answer.get("id") or "")
        if not post_id:
            raise Rejected(
                f"Facebook answered the post of the Page {self.page_id} without its id.",
                network=self.network,
            )
        return convert.published(post_id, self.settings.account, sent_at)

    async def find_published(self, key: str, draft: Draft) -> Published | None:
        """The copy posted earlier: a post of the Page since the post's date that links to it."""
        since = draft.post.date - CLOCK_MARGIN
        page = await self.graph.get(
            f"{self.page_id}/published_posts",
            {"fields": convert.POST_FIELDS, "limit": str(OWN_POSTS_PAGE)},
        )
        for _ in range(MAX_OWN_PAGES):
            posts = [p for p in page.get("data") or [] if isinstance(p, Mapping)]
            for post in posts:
                if convert.links_to(post, draft.post.url):
                    at = graph_time(post.get("created_time")) or utc_now()
                    return convert.published(str(post["id"]), self.settings.account, at)
            oldest = min(
                (t for p in posts if (t := graph_time(p.get("created_time")))), default=None
            )
            paging = page.get("paging")
            address = paging.get("next") if isinstance(paging, Mapping) else None
            if not address or (oldest is not None and oldest < since):
                break
            page = await self.graph.follow(str(address))
        return None

    # -- Replier --------------------------------------------------------------------------------

    def reply_text(self, parent: Interaction, text: str) -> str:
        """The answer as sent: Facebook tells the comment's author itself; no mention needed."""
        return text

    def _thread_head(self, parent: Interaction) -> str:
        """The top-level comment an answer to ``parent`` goes under (comments nest once): the
        parent itself when it answers a post (``{page-id}_{post}``), else the one it answers."""
        answers = parent.in_reply_to
        if not answers or answers.startswith(f"{self.page_id}_"):
            return parent.id
        return answers

    async def reply(self, parent: Interaction, root: Copy, text: str, key: str) -> Published:
        """Answer ``parent`` in its thread, as the Page."""
        sent_at = utc_now()
        head = self._thread_head(parent)
        answer = await self.graph.post(f"{head}/comments", {"message": text})
        comment_id = str(answer.get("id") or "")
        if not comment_id:
            raise Rejected("Facebook answered the comment without its id.", network=self.network)
        return Published(
            id=comment_id,
            url=convert.comment_url(root.url or convert.post_url(root.id), comment_id),
            published_at=sent_at,
            account=self.settings.account,
        )

    async def find_reply(self, key: str, parent: Interaction, text: str) -> Published | None:
        """The answer sent earlier: a comment of the Page in the same thread, with this text,
        made after ``parent``."""
        head = self._thread_head(parent)
        first = await self.graph.get(
            f"{head}/comments",
            {
                "fields": "id,from,message,created_time,permalink_url",
                "order": "reverse_chronological",
                "limit": str(convert.PAGE),
            },
        )
        for comment in await self.graph.all_items(first):
            author = comment.get("from")
            created = graph_time(comment.get("created_time"))
            if (
                isinstance(author, Mapping)
                and str(author.get("id") or "") == self.page_id
                and created is not None
                and created >= parent.published_at - timedelta(seconds=1)
                and convert.same_text(comment, text)
            ):
                comment_id = str(comment["id"])
                address = str(comment.get("permalink_url") or "") or convert.comment_url(
                    convert.post_url(parent.in_reply_to or head), comment_id
                )
                return Published(comment_id, address, created, self.settings.account)
        return None

    # -- Reader ---------------------------------------------------------------------------------

    def kinds_readable(self, copy: Copy) -> frozenset[InteractionKind]:
        """Comments and reactions: shares are counted, not listed (see the module's docstring)."""
        return READ_KINDS & READABLE

    async def counts(self, copies: Sequence[Copy]) -> dict[str, Counts] | None:
        """The counts of up to 2,500 copies in one batch of ``?ids=`` requests; a copy that
        no longer exists is left out (read whole, it says it is gone)."""
        groups = [
            [copy.id for copy in copies[start : start + IDS_LIMIT]]
            for start in range(0, len(copies), IDS_LIMIT)
        ]
        found: dict[str, Counts] = {}
        for _ in range(2):  # a second round without the ids Graph says do not exist
            if not groups:
                break
            answers = await self.graph.batch(
                [
                    f"?{httpx.QueryParams({'ids': ','.join(g), 'fields': convert.COUNT_FIELDS})}"
                    for g in groups
                ]
            )
            again: list[list[str]] = []
            for group, answer in zip(groups, answers, strict=True):
                if isinstance(answer, GraphFailure):
                    missing = set(answer.missing)
                    kept = [i for i in group if i not in missing]
                    if missing and kept:
                        again.append(kept)
                    elif not missing:
                        # Not about a missing copy: the whole batch's counts are unknown.
                        raise _failure(answer, self.graph)
                    continue
                for post_id, node in answer.items():
                    if isinstance(node, Mapping):
                        found[str(post_id)] = convert.counts_from_node(node)
            groups = again
        return found

    async def conversation(
        self, copy: Copy, kinds: frozenset[InteractionKind] = READ_KINDS
    ) -> list[Interaction]:
        """The copy's comments (threaded, hidden ones left out) and its reactions by kind, in
        one request; NotFound when the copy is gone."""
        replies = InteractionKind.REPLY in kinds
        likes = InteractionKind.LIKE in kinds
        if not (replies or likes):
            return []
        try:
            node = await self.graph.get(
                copy.id, {"fields": convert.conversation_fields(replies, likes)}
            )
        except NotFound:
            raise NotFound(
                f"the Facebook copy {copy.url or copy.id} no longer exists.",
                network=self.network,
                status=404,
            ) from None
        comments: list[Json] = []
        if replies:
            comments = await self.graph.all_items(_edge(node, "comments"))
        reactions: dict[str, list[Json]] = {}
        if likes:
            for kind in convert.REACTION_TYPES:
                alias = convert.reaction_alias(kind)
                reactions[kind] = await self.graph.all_items(_edge(node, alias))
        return convert.conversation_from_node(
            comments,
            reactions,
            post_id=copy.id,
            post_address=copy.url or convert.post_url(copy.id),
            published_at=copy.published_at or copy.intent_at,
            page_id=self.page_id,
        )

    async def notifications(self, cursor: str) -> tuple[list[Activity], str]:
        """Posts that tag the Page after ``cursor`` (oldest first), as mentions, and the next
        cursor (``meta_graph.time_cursor``: the newest ``created_time`` read, and the posts of
        that second).

        Graph gives a Page's new comments to webhooks only (a public endpoint CI does not have):
        those are found through the counts (see the module's docstring). The ``tagged`` edge
        is newest first and takes no ``since``: ``GraphClient.newer_items`` reads it down to the
        cursor. A first run only learns where the next starts.
        """
        posts, next_cursor = await self.graph.newer_items(
            f"{self.page_id}/tagged", convert.TAGGED_FIELDS, "created_time", cursor
        )
        items = [
            item
            for post in posts
            if (item := convert.mention_from_post(post, self.page_id)) is not None
        ]
        return [Activity.heard(i) for i in items], next_cursor

    # -- tokens ---------------------------------------------------------------------------------

    async def credential_status(self) -> CredentialStatus:
        """The Page token's introspection: valid, a PAGE token of this Page, with the four
        permissions; its expiry (none for a system user's Page token)."""
        info, status = await self.graph.token_status(token_type="PAGE", needed=NEEDED_SCOPES)
        profile = str(info.get("profile_id") or "")
        if profile and profile != self.page_id:
            raise Rejected(
                f"Facebook says the token in {TOKEN_VARIABLE} is the token of the Page "
                f"{profile}, not of the Page {self.page_id}; {renew_steps()}.",
                network=self.network,
            )
        return status


DUPLICATE_TEXT = f"({DUPLICATE}:"


def _edge(node: Json, name: str) -> Json:
    edge = node.get(name)
    return edge if isinstance(edge, Mapping) else {}


def _failure(answer: GraphFailure, graph: GraphClient) -> AgoraError:
    """The project's error for a failed sub-request, mapped as a whole answer would be."""
    response = httpx.Response(answer.status or 400, json={"error": dict(answer.error)})
    try:
        check_graph(response, graph.who)
    except AgoraError as error:
        return error
    return Rejected(f"{LABEL} refused part of a batch.", network=graph.who.network)
