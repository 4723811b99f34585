"""The LinkedIn adapter's I/O: publish exactly once, reply, read comments, reactions and reposts.

Implements ``Adapter`` (``syndication.networks.base``) over LinkedIn's versioned REST API with an
injected ``httpx.AsyncClient``; the JSON is converted, and little text written, by ``convert``.
Every request carries ``LinkedIn-Version`` (``AGORA_LINKEDIN_VERSION``) and
``X-Restli-Protocol-Version: 2.0.0``, and encodes its URNs as Rest.li 2.0 does.

Upstream pages:
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
(``POST /rest/posts``, ``GET /rest/posts?q=author``),
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api
(``initializeUpload``, then the upload),
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/comments-api
(``/rest/socialActions/{urn}/comments``, nested under ``parentComment``),
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/reactions-api
(``/rest/reactions/(entity:{urn})?q=entity``),
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/social-metadata-api
(``BATCH_GET /rest/socialMetadata``),
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics
(``GET /rest/organizationalEntityShareStatistics?q=organizationalEntity``: the page's reposts),
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/post-statistics
(``GET /rest/memberCreatorPostAnalytics?q=entity``: an employee's reposts),
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-social-action-notifications
(``GET /rest/organizationalEntityNotifications?q=criteria``: mentions of the page),
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/members/profile-api
(``BATCH_GET /rest/people``: names and headlines of the people who comment),
https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-lookup-api
(``BATCH_GET /rest/organizations``),
https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection,
https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling.

Quirks of the network recorded here:

- **No idempotency key.** Before a retry, ``find_published`` reads the author's posts since the
  post's date (``q=author``, newest first) for one whose article card or text links to the page.
  LinkedIn itself refuses the same commentary twice (422, "duplicate"): ``publish`` then looks
  the earlier one up and returns it. The new post's URN comes back in ``x-restli-id`` only.
- **Mentions are read as notifications.** ``notifications`` reads the page's Organization
  Social Action Notifications (the pull workflow: ``q=criteria``,
  ``actions=List(SHARE_MENTION,COMMENT_MENTION)``, ``timeRange`` from the cursor, a time to the
  millisecond; LinkedIn keeps 60 days of them; ``rw_organization_admin``, else said once and
  none are heard). Each names a post, or a comment and its post, that mentions the page: read
  (``GET /rest/posts/{urn}``, the post's comments), they are mentions of the company outside
  our copies, which the engine keeps for the inbox; ``reply`` answers a post with a top-level
  comment, a comment under it. A comment that mentions the page as an answer to another
  comment cannot be answered under itself (comments nest once): LinkedIn refuses it, in one
  sentence. A first run only sets the cursor; an employee's token has no page's
  notifications. New comments on our copies are found when the schedule reads a copy (the
  same finder lists them for 60 days only, and webhooks need a public endpoint CI does not
  have), its counts first (``socialMetadata``, 80 copies a request: their URNs keep the query
  under the 4,000 characters past which LinkedIn's own client tunnels a request as a POST).
- **Reposts** are counted, never listed: the API names nobody who reposted, and
  ``socialMetadata`` does not count them. The page's copies are counted by the Organization
  Share Statistics finder (``shares=List(…)``/``ugcPosts=List(…)``, the same 80 copies in one
  request beside ``socialMetadata``; ``totalShareStatistics.shareCount``), which needs
  ``rw_organization_admin`` and gives the last 12 months only (an older copy keeps the number
  it had); a post of another author in the list would have the whole request refused, so only
  the account's own copies are asked about. With an employee's own token, their copies are
  counted by Member Post Analytics (``queryType=RESHARE``, ``aggregation=TOTAL``, added to the
  versioned API in 2025; ``r_member_postAnalytics``), one request a copy since it has no batch;
  the backfeed reads every copy with the page's token, so there an employee's copy is not
  counted. The engine keeps the number on the copy (``Copy.counted``) and the page shows it;
  without the permission (403) it is said once and the comments and reactions are read as
  usual.
- **Reactions** have six types (``LIKE``, ``PRAISE``...): each is a like, its type kept as its
  text. **Comments** nest one level: an answer to a nested comment goes under the same
  top-level comment (``reply``), as LinkedIn's own site does.
- **People.** A comment names its author by URN only; names, headlines and pictures come from
  one BATCH_GET of the members (and one of the organizations) and one of their pictures.
- **Errors** are ``{"message", "status", "serviceErrorCode"}``: 401 an expired or revoked token
  (they last 60 days), 403 a missing permission, 422 a duplicate or invalid post, 429 the app's
  or member's daily limit (it resets at midnight UTC).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from syndication import secrets
from syndication.errors import (
    AgoraError,
    AuthError,
    NotFound,
    RateLimited,
    Rejected,
    Unavailable,
    network_words,
)
from syndication.model import (
    AUTHOR_HANDLE,
    AUTHOR_NAME,
    Copy,
    Interaction,
    InteractionKind,
    Person,
    format_time,
    parse_time,
    utc_now,
)
from syndication.networks.base import (
    READ_KINDS,
    Activity,
    Counts,
    CredentialStatus,
    Draft,
    LinkCard,
    Published,
    RetryPolicy,
    Sleep,
    TextLimits,
    json_object,
    parse_retry_after,
    raise_for_status,
    send,
)
from syndication.networks.linkedin import convert
from syndication.networks.linkedin.settings import (
    CLIENT_ID_VARIABLE,
    CLIENT_SECRET_VARIABLE,
    LinkedInSettings,
)

logger = logging.getLogger(__name__)

DEFAULT_POLICY = RetryPolicy()
LABEL = "LinkedIn"
PROTOCOL = "2.0.0"
COUNTS_BATCH = 80  # URNs of one socialMetadata BATCH_GET (see the module's docstring)
PAGE = 100  # count of the collections
OWN_POSTS_PAGE = 50
MAX_PAGES = 10
CLOCK_MARGIN = timedelta(hours=1)  # a copy is never older than its post, give or take clocks
READABLE = frozenset({InteractionKind.REPLY, InteractionKind.LIKE})
ORGANIZATION_SCOPES = "w_organization_social and r_organization_social"
MEMBER_SCOPES = "w_member_social"
STATISTICS_SCOPE = "rw_organization_admin"  # Organization Share Statistics
MEMBER_ANALYTICS_SCOPE = "r_member_postAnalytics"  # Member Post Analytics
ANALYTICS_CONCURRENCY = 4  # an employee's copies' analytics read at once (one request each)
MENTIONS_KEPT = timedelta(days=60)  # how long LinkedIn keeps a page's notifications

Json = Mapping[str, Any]


class DuplicatePost(Rejected):
    """LinkedIn already has a post (or comment) with exactly this text from the account."""


def _body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _said(response: httpx.Response) -> str:
    body = _body(response)
    text = body.get("message") or body.get("error_description") or response.reason_phrase or ""
    return network_words(str(text))


def _ms(moment: datetime) -> int:
    """Epoch milliseconds, LinkedIn's times."""
    return round(moment.timestamp() * 1000)


def _clock() -> datetime:
    """Now, to the microsecond: a notification's time is in milliseconds, and a cursor or a
    ``timeRange`` end to the second would leave out what came in the same second."""
    return datetime.now(UTC)


def _moment(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def renew_steps(settings: LinkedInSettings) -> str:
    """What a person does to get a new token (LinkedIn's Developer Portal, token generator)."""
    who = "an employee's own account" if settings.person else "a page administrator"
    scopes = MEMBER_SCOPES if settings.person else ORGANIZATION_SCOPES
    counts = MEMBER_ANALYTICS_SCOPE if settings.person else STATISTICS_SCOPE
    use = "the repost counts" if settings.person else "the repost counts and the mentions"
    scopes = f"{scopes} (and {counts}, for {use})"
    return (
        "in LinkedIn's Developer Portal, open the company's app (with the Community Management "
        f"API), Docs and tools > OAuth Token Tools > Create token, sign in as {who}, choose "
        f"{scopes}, and put the new token in {settings.token_variable}; it lasts 60 days"
    )


class LinkedInClient:
    """One LinkedIn account (the company page, or an employee): publisher, replier and reader.

    ``company_accounts`` are the employees' person ids, so their answers are marked
    ``by_company`` beside the organization's.
    """

    network = convert.NETWORK
    counts_batch = COUNTS_BATCH

    def __init__(
        self,
        settings: LinkedInSettings,
        client: httpx.AsyncClient,
        *,
        company_accounts: Sequence[str] = (),
        policy: RetryPolicy = DEFAULT_POLICY,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.client = client
        self.policy = policy
        self.sleep = sleep
        self.base_url = settings.api_url.rstrip("/")
        self.label = LABEL
        self.view = convert.Viewpoint.of(
            settings.organization, [*company_accounts, settings.person]
        )
        for value in (settings.access_token, settings.client_secret, settings.client_id):
            secrets.register(value)
        self._missing: set[str] = set()  # copies the last counts left out: gone, or hidden
        self._people: dict[str, Person] = {}  # by URN, for this adapter's life (one run)
        self._reposts_refused = False  # a 403 on the repost counts: not asked again this run
        self._answerer_name: str | None = None  # the account's display name, once read
        self._mentions_refused = False  # a 403 on the page's notifications: not asked again

    # -- plumbing -------------------------------------------------------------------------------

    def _check(self, response: httpx.Response) -> None:
        """Map LinkedIn's error answers to the project's errors, one sentence each."""
        status = response.status_code
        if status < 400:
            return
        said = _said(response)
        account = self.settings.account
        variable = self.settings.token_variable
        if status == 401:
            raise AuthError(
                f"LinkedIn refused the access token of {account} ({said}): it has expired "
                f"(they last 60 days) or was revoked; {renew_steps(self.settings)}.",
                network=self.network,
                status=status,
            )
        if status == 403:
            scopes = MEMBER_SCOPES if self.settings.person else ORGANIZATION_SCOPES
            raise AuthError(
                f"LinkedIn does not let {account} do this ({said}): its token needs {scopes} "
                f"and its member a role on the page; create a token with them and set {variable}.",
                network=self.network,
                status=status,
            )
        if status == 422 and "duplicate" in said.lower():
            raise DuplicatePost(
                f"LinkedIn already has exactly this text from {account} ({said}); it is not "
                "sent again.",
                network=self.network,
                status=status,
            )
        if status == 422:
            raise Rejected(
                f"LinkedIn refused what {account} sent as invalid ({said}); correct the post's "
                "text or card and run again.",
                network=self.network,
                status=status,
            )
        if status == 429:
            wait = parse_retry_after(response)
            when = f"; it asks to wait {wait:.0f} s" if wait is not None else ""
            raise RateLimited(
                f"LinkedIn is throttling {account} ({said}){when}; its limits are daily (they "
                "reset at midnight UTC) and what is not done stays pending for the next run.",
                network=self.network,
                status=status,
                retry_after=wait,
            )
        raise_for_status(
            response,
            network=self.network,
            label=LABEL,
            account=account,
            credential_variable=variable,
        )

    def _headers(self) -> dict[str, str]:
        headers = {"LinkedIn-Version": self.settings.version, "X-Restli-Protocol-Version": PROTOCOL}
        if self.settings.access_token:
            headers["Authorization"] = f"Bearer {self.settings.access_token}"
        return headers

    def url(self, path: str, params: Mapping[str, object] | None = None) -> str:
        """The address of ``/rest{path}`` with ``params`` in Rest.li 2.0's encoding."""
        address = f"{self.base_url}/rest{path}"
        return f"{address}?{convert.query(params)}" if params else address

    async def _call(
        self,
        method: str,
        path: str,
        params: Mapping[str, object] | None = None,
        *,
        json: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        request = self.client.build_request(
            method, self.url(path, params), json=json, headers=self._headers()
        )
        return await send(
            self.client,
            request,
            check=self._check,
            policy=self.policy,
            sleep=self.sleep,
            label=LABEL,
        )

    async def _get(self, path: str, params: Mapping[str, object] | None = None) -> dict[str, Any]:
        return json_object(await self._call("GET", path, params), LABEL)

    async def _collection(
        self, path: str, params: Mapping[str, object] | None = None, page: int = PAGE
    ) -> list[Json]:
        """Every element of a collection, page after page (``start``/``count``, ``paging``)."""
        elements: list[Json] = []
        for number in range(MAX_PAGES):
            body = await self._get(path, {**(params or {}), "start": number * page, "count": page})
            found = [e for e in body.get("elements") or [] if isinstance(e, Mapping)]
            elements.extend(found)
            paging = body.get("paging")
            total = paging.get("total") if isinstance(paging, Mapping) else None
            if len(found) < page or (isinstance(total, int) and len(elements) >= total):
                break
        return elements

    # -- Publisher ------------------------------------------------------------------------------

    async def text_limits(self) -> TextLimits:
        """3,000 characters of commentary, links as long as they are (LinkedIn's rule; no call)."""
        return TextLimits(convert.MAX_LENGTH)

    async def _image_bytes(self, card: LinkCard) -> bytes | None:
        """The card's picture: the local file, else the page's social image downloaded."""
        if card.image_path:
            try:
                return Path(card.image_path).read_bytes()
            except OSError as error:
                logger.warning("LinkedIn: the card's image could not be read (%s)", error)
        if card.image_url:
            try:
                response = await self.client.get(card.image_url, follow_redirects=True)
                if response.status_code == 200 and response.content:
                    return response.content
                logger.warning("LinkedIn: %s answered %s", card.image_url, response.status_code)
            except httpx.HTTPError as error:
                logger.warning("LinkedIn: the card's image could not be fetched (%s)", error)
        return None

    async def _upload(self, data: bytes) -> str:
        """The image URN of ``data``, uploaded through the Images API."""
        answer = json_object(
            await self._call(
                "POST",
                "/images",
                {"action": "initializeUpload"},
                json={"initializeUploadRequest": {"owner": self.settings.author_urn}},
            ),
            LABEL,
        )
        value = answer.get("value")
        if not isinstance(value, Mapping) or not value.get("uploadUrl") or not value.get("image"):
            raise Unavailable("LinkedIn answered the image upload without its address or URN.")
        upload = httpx.URL(str(value["uploadUrl"]))
        headers = {"Content-Type": "application/octet-stream"}
        # The token goes only where LinkedIn's own addresses are (or the configured API's host).
        if upload.host.endswith("linkedin.com") or upload.host == httpx.URL(self.base_url).host:
            headers["Authorization"] = f"Bearer {self.settings.access_token}"
        request = self.client.build_request("PUT", upload, content=data, headers=headers)
        await send(self.client, request, check=self._check, policy=self.policy, sleep=self.sleep)
        return str(value["image"])

    async def publish(self, draft: Draft, key: str) -> Published:
        """Post the draft on the page (or the employee's profile) with its article card."""
        sent_at = utc_now()
        card = draft.card
        thumbnail = ""
        if card is not None and (card.image_path or card.image_url):
            data = await self._image_bytes(card)
            if data:
                thumbnail = await self._upload(data)
        body = convert.post_body(
            self.settings.author_urn,
            draft.text,
            source=card.url if card else draft.post.url,
            title=card.title if card else draft.post.title,
            description=card.description if card else draft.post.summary,
            thumbnail=thumbnail,
        )
        try:
            response = await self._call("POST", "/posts", json=body)
        except DuplicatePost:
            # The same text twice is refused: the first one went out (a lost answer, say).
            found = await self.find_published(key, draft)
            if found is not None:
                return found
            raise
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            raise Unavailable("LinkedIn answered the post without its URN (x-restli-id).")
        return convert.published(urn, self.settings.account, sent_at)

    async def _own_posts(self, since: datetime) -> list[Json]:
        """The account's posts, newest first, back to ``since``."""
        found: list[Json] = []
        params = {"q": "author", "author": self.settings.author_urn, "sortBy": "CREATED"}
        for number in range(MAX_PAGES):
            page = {**params, "start": number * OWN_POSTS_PAGE, "count": OWN_POSTS_PAGE}
            body = await self._get("/posts", page)
            posts = [p for p in body.get("elements") or [] if isinstance(p, Mapping)]
            found.extend(posts)
            oldest = min(
                (t for p in posts if (t := convert.stamp_time(p.get("createdAt")))), default=None
            )
            if len(posts) < OWN_POSTS_PAGE or (oldest is not None and oldest < since):
                break
        return found

    async def find_published(self, key: str, draft: Draft) -> Published | None:
        """The copy posted earlier: a post of the account since the post's date that links to
        the page and shares nothing else (a reshare is not our copy)."""
        for post in await self._own_posts(draft.post.date - CLOCK_MARGIN):
            if post.get("lifecycleState") not in (None, "PUBLISHED") or post.get("reshareContext"):
                continue
            if convert.links_to(post, draft.post.url):
                return convert.published_from_post(post, self.settings.account, utc_now())
        return None

    # -- Replier --------------------------------------------------------------------------------

    def reply_text(self, parent: Interaction, text: str) -> str:
        """The answer as sent: LinkedIn threads it by ``parentComment`` and tells the parent's
        author itself, so the text is left as it is (escaped on the way, read back the same)."""
        return text

    @staticmethod
    def _thread_head(parent: Interaction) -> str:
        """The top-level comment an answer to ``parent`` goes under (comments nest once)."""
        return parent.in_reply_to if convert.is_comment(parent.in_reply_to) else parent.id

    async def reply(self, parent: Interaction, root: Copy, text: str, key: str) -> Published:
        """Answer ``parent`` in its thread, as the organization (or the employee)."""
        sent_at = utc_now()
        head = self._thread_head(parent)
        # The post the thread is under: a heard comment is the root of its own thread.
        post = convert.comment_post(root.id)
        body: dict[str, Any] = {
            "actor": self.settings.author_urn,
            "object": post,
            "message": {"text": convert.little_text(text)},
        }
        if convert.is_comment(head):
            body["parentComment"] = head  # a heard post is answered with a top-level comment
        response = await self._call(
            "POST", f"/socialActions/{convert.restli(head)}/comments", json=body
        )
        answer = _body(response)
        urn = str(answer.get("commentUrn") or "")
        if not urn:
            made = response.headers.get("x-restli-id", "")
            if not made:
                raise Unavailable("LinkedIn answered the comment without its id.")
            urn = made if convert.is_comment(made) else convert.comment_urn(post, made)
        return Published(
            id=urn,
            url=convert.comment_url(post, urn),
            published_at=convert.stamp_time(answer.get("created")) or sent_at,
            account=self.settings.account,
            extra=await self._answerer(),
        )

    async def _answerer(self) -> dict[str, str]:
        """How the answering account is named on LinkedIn, for the answer recorded before any
        backfeed (``AUTHOR_NAME``; no handle: LinkedIn has none, and its URN is no name).

        The page's name (Organizations API) or the employee's (People API), read once per run;
        a failed read costs the name only, never the answer already sent.
        """
        if self._answerer_name is None:
            try:
                self._answerer_name = await self._own_name()
            except AgoraError as error:
                logger.info(
                    "LinkedIn did not say the name of %s (%s)", self.settings.account, error
                )
                return {}
        if not self._answerer_name:
            return {}
        return {AUTHOR_NAME: self._answerer_name, AUTHOR_HANDLE: ""}

    async def _own_name(self) -> str:
        """The account's display name as a reader sees it under its comments, or ""."""
        settings = self.settings
        if settings.person:
            body = await self._get("/people", {"ids": [{"id": settings.person}]})
            results = body.get("results")
            found = results.get(f"(id:{settings.person})") if isinstance(results, Mapping) else None
            if not isinstance(found, Mapping):
                return ""
            return convert.person_from_profile(settings.author_urn, found).name
        body = await self._get("/organizations", {"ids": [settings.organization]})
        results = body.get("results")
        found = results.get(settings.organization) if isinstance(results, Mapping) else None
        if not isinstance(found, Mapping):
            return ""
        return convert.person_from_organization(settings.author_urn, found).name

    async def find_reply(self, key: str, parent: Interaction, text: str) -> Published | None:
        """The answer sent earlier: a comment of ours under the same thread, with this text,
        made after ``parent``."""
        head = self._thread_head(parent)
        for comment in await self._collection(f"/socialActions/{convert.restli(head)}/comments"):
            created = convert.stamp_time(comment.get("created"))
            if (
                convert.comment_actor(comment) == self.settings.author_urn
                and created is not None
                and created >= parent.published_at
                and convert.same_text(comment, text)
            ):
                urn = str(comment.get("commentUrn") or "")
                post = str(comment.get("object") or "")
                return Published(
                    id=urn,
                    url=convert.comment_url(post, urn),
                    published_at=created,
                    account=self.settings.account,
                    extra=await self._answerer(),
                )
        return None

    # -- Reader ---------------------------------------------------------------------------------

    def kinds_readable(self, copy: Copy) -> frozenset[InteractionKind]:
        """Comments and reactions: LinkedIn lists no reposts, it only counts them (``counts``;
        see the module's docstring)."""
        return READ_KINDS & READABLE

    async def counts(self, copies: Sequence[Copy]) -> dict[str, Counts] | None:
        """The counts of up to 80 copies: comments and reactions in one BATCH_GET of
        ``socialMetadata``, reposts beside it (``_reposts``)."""
        reposts = asyncio.ensure_future(self._reposts(copies))
        try:
            metadata = await self._get("/socialMetadata", {"ids": [copy.id for copy in copies]})
        except BaseException:
            reposts.cancel()
            await asyncio.gather(reposts, return_exceptions=True)
            raise
        shared = await reposts
        results = metadata.get("results")
        found = {
            str(urn): replace(convert.counts_from_metadata(data), reposts=shared.get(str(urn)))
            for urn, data in (results.items() if isinstance(results, Mapping) else [])
            if isinstance(data, Mapping)
        }
        self._missing |= {copy.id for copy in copies if copy.id not in found}
        return found

    async def _reposts(self, copies: Sequence[Copy]) -> dict[str, int]:
        """How many times each copy was reposted, by URN; what LinkedIn does not say is left
        out (the copy's last count stays).

        The page's copies: one request for them all (Organization Share Statistics, which
        needs rw_organization_admin). An employee's, read with their own token: one request a
        copy (Member Post Analytics, r_member_postAnalytics), LinkedIn has no batch for it; read
        with the page's token (as the backfeed does), an employee's copy is not counted. A
        refusal (403) is said once, in one sentence, and the run goes on without reposts:
        comments and reactions do not need that permission.
        """
        # Only the account's own copies: LinkedIn refuses the whole request (403) for a post of
        # another author, such as an employee's copy read with the page's token.
        own = [c for c in copies if c.account in ("", self.settings.author_urn)]
        if self._reposts_refused or not own:
            return {}
        try:
            if self.settings.person:
                return await self._member_reshares(own)
            return await self._share_statistics(own)
        except AgoraError as error:
            if isinstance(error, AuthError) and error.status == 403:
                self._reposts_refused = True
                scope = MEMBER_ANALYTICS_SCOPE if self.settings.person else STATISTICS_SCOPE
                logger.warning(
                    "LinkedIn does not let %s count its posts' reposts: its token needs %s%s "
                    "(create one with it and set %s); repost counts stay as they were, and "
                    "comments and reactions are read as usual.",
                    self.settings.account,
                    scope,
                    "" if self.settings.person else " and its member an administrator of the page",
                    self.settings.token_variable,
                )
            else:
                logger.info("LinkedIn gave no repost counts this time (%s)", error)
            return {}

    async def _share_statistics(self, copies: Sequence[Copy]) -> dict[str, int]:
        """The page's copies' repost counts in one request of the Organization Share
        Statistics finder (lifetime statistics: no ``timeIntervals``)."""
        shares = [c.id for c in copies if c.id.startswith("urn:li:share:")]
        posts = [c.id for c in copies if c.id.startswith("urn:li:ugcPost:")]
        if not (shares or posts):
            return {}
        params: dict[str, object] = {
            "q": "organizationalEntity",
            "organizationalEntity": self.settings.author_urn,
        }
        if shares:
            params["shares"] = shares
        if posts:
            params["ugcPosts"] = posts
        return convert.reposts_from_statistics(
            await self._get("/organizationalEntityShareStatistics", params)
        )

    async def _member_reshares(self, copies: Sequence[Copy]) -> dict[str, int]:
        """An employee's copies' repost counts, one Member Post Analytics request each."""
        bound = asyncio.Semaphore(ANALYTICS_CONCURRENCY)

        async def one(copy: Copy) -> int | None:
            params = {
                "q": "entity",
                "entity": convert.post_entity(copy.id),
                "queryType": "RESHARE",
                "aggregation": "TOTAL",
            }
            async with bound:
                body = await self._get("/memberCreatorPostAnalytics", params)
            return convert.reshares_from_analytics(body)

        answers = await asyncio.gather(*(one(c) for c in copies), return_exceptions=True)
        for answer in answers:
            if isinstance(answer, AuthError) and answer.status == 403:
                raise answer
        return {
            copy.id: answer
            for copy, answer in zip(copies, answers, strict=True)
            if isinstance(answer, int)
        }

    def _gone(self, copy: Copy) -> NotFound:
        return NotFound(
            f"the LinkedIn copy {copy.url or copy.id} no longer exists.",
            network=self.network,
            status=404,
        )

    async def _comments(self, post: str) -> list[Json]:
        """Every comment of ``post``: the top-level ones, then the answers of those that have."""
        top = await self._collection(f"/socialActions/{convert.restli(post)}/comments")

        def answered(comment: Json) -> bool:
            summary = comment.get("commentsSummary")
            if not isinstance(summary, Mapping):
                return False
            return bool(
                summary.get("aggregatedTotalComments") or summary.get("totalFirstLevelComments")
            )

        nested = await asyncio.gather(
            *(
                self._collection(f"/socialActions/{convert.restli(str(c['commentUrn']))}/comments")
                for c in top
                if c.get("commentUrn") and answered(c)
            )
        )
        return [*top, *(comment for answers in nested for comment in answers)]

    async def _reactions(self, post: str) -> list[Json]:
        return await self._collection(
            f"/reactions/{convert.restli({'entity': post})}", {"q": "entity"}
        )

    async def _who(self, urns: Iterable[str]) -> dict[str, Person]:
        """The people (and pages) behind ``urns``: names, headlines, pictures, in batches."""
        wanted = sorted({urn for urn in urns if urn and urn not in self._people})
        members = [convert.urn_id(u) for u in wanted if u.startswith("urn:li:person:")]
        pages = [convert.urn_id(u) for u in wanted if u.startswith("urn:li:organization:")]
        reads: dict[str, Awaitable[dict[str, Any]]] = {}
        if members:
            reads["people"] = self._get("/people", {"ids": [{"id": m} for m in members]})
        if pages:
            reads["organizations"] = self._get("/organizations", {"ids": pages})
        answers = dict(zip(reads, await asyncio.gather(*reads.values()), strict=True))
        profiles: dict[str, Json] = {}
        for member in members:
            results = answers["people"].get("results") or {}
            profile = results.get(f"(id:{member})") or results.get(member)
            if isinstance(profile, Mapping):
                profiles[f"urn:li:person:{member}"] = profile
        for page in pages:
            results = answers["organizations"].get("results") or {}
            organization = results.get(page)
            if isinstance(organization, Mapping):
                profiles[f"urn:li:organization:{page}"] = organization
        pictures = {urn: convert.profile_picture(p) for urn, p in profiles.items()}
        addresses: dict[str, str] = {}
        if images := sorted({image for image in pictures.values() if image}):
            results = (await self._get("/images", {"ids": images})).get("results") or {}
            for image in images:
                found = results.get(image)
                if isinstance(found, Mapping) and found.get("downloadUrl"):
                    addresses[image] = str(found["downloadUrl"])
        for urn in wanted:
            avatar = addresses.get(pictures.get(urn, ""), "")
            if urn.startswith("urn:li:organization:"):
                person = convert.person_from_organization(urn, profiles.get(urn), avatar)
            else:
                person = convert.person_from_profile(urn, profiles.get(urn), avatar)
            self._people[urn] = person
        return self._people

    async def conversation(
        self, copy: Copy, kinds: frozenset[InteractionKind] = READ_KINDS
    ) -> list[Interaction]:
        """The copy's comments (nested) and reactions (by type); NotFound when it is gone."""
        if copy.id in self._missing:
            self._missing.discard(copy.id)
            try:
                await self._get(f"/posts/{convert.restli(copy.id)}")
            except NotFound:
                raise self._gone(copy) from None
        reads: dict[InteractionKind, Awaitable[list[Json]]] = {}
        if InteractionKind.REPLY in kinds:
            reads[InteractionKind.REPLY] = self._comments(copy.id)
        if InteractionKind.LIKE in kinds:
            reads[InteractionKind.LIKE] = self._reactions(copy.id)
        answers = await asyncio.gather(*reads.values(), return_exceptions=True)
        outcomes: dict[InteractionKind, list[Json]] = {}
        for kind, outcome in zip(reads, answers, strict=True):
            if isinstance(outcome, NotFound):
                raise self._gone(copy) from outcome
            if isinstance(outcome, BaseException):
                raise outcome
            outcomes[kind] = outcome
        comments = outcomes.get(InteractionKind.REPLY, [])
        reactions = outcomes.get(InteractionKind.LIKE, [])
        people = await self._who(
            [
                *(convert.comment_actor(c) for c in comments),
                *(convert.reaction_actor(r) for r in reactions),
            ]
        )
        items: list[Interaction] = []
        kept = {copy.id}
        # Top-level comments come first, so a nested one finds its parent kept.
        for comment in comments:
            item = convert.interaction_from_comment(comment, copy.id, people, self.view)
            if item is not None and item.in_reply_to in kept:
                kept.add(item.id)
                items.append(item)
        for reaction in reactions:
            like = convert.interaction_from_reaction(reaction, copy.id, people, self.view)
            if like is not None:
                items.append(like)
        return items

    async def notifications(self, cursor: str) -> tuple[list[Activity], str]:
        """The posts and comments that mention the page since ``cursor``, as mentions (oldest
        first), and the next cursor: the newest notification's time.

        Read from the Organization Social Action Notifications finder (``q=criteria``,
        ``actions=List(SHARE_MENTION,COMMENT_MENTION)``, ``timeRange``), LinkedIn's pull
        workflow (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-social-action-notifications);
        each names the post and, for a comment, the comment, whose words are then read. New
        comments on our copies are still found through their counts (``counts``). A first run
        only sets the cursor; an employee's token has no page to ask about, and a token without
        ``rw_organization_admin`` (403) is said once: the run goes on without mentions.
        """
        now = _clock()
        if not cursor:
            return [], format_time(now)
        if self.settings.person or self._mentions_refused:
            return [], cursor
        since = _ms(parse_time(cursor))
        # LinkedIn keeps notifications 60 days: an older start would ask for nothing more.
        start = max(since, _ms(now - MENTIONS_KEPT))
        params = {
            "q": "criteria",
            "actions": list(convert.MENTION_ACTIONS),
            "organizationalEntity": self.settings.author_urn,
            "timeRange": {"start": start, "end": _ms(now) + 1},
        }
        try:
            found = await self._collection("/organizationalEntityNotifications", params)
        except AuthError as error:
            if error.status != 403:
                raise
            self._mentions_refused = True
            logger.warning(
                "LinkedIn does not let %s read the page's notifications: its token needs %s and "
                "its member an administrator of the page (create one with it and set %s); "
                "mentions of the page are not heard, comments on its copies are read as usual.",
                self.settings.account,
                STATISTICS_SCOPE,
                self.settings.token_variable,
            )
            return [], cursor
        # Strictly after the cursor (the time of the newest one read): LinkedIn's times go to
        # the millisecond, so a later one in that very millisecond is the only one missed.
        fresh = [
            n
            for n in found
            if isinstance(n.get("lastModifiedAt"), int) and n["lastModifiedAt"] > since
        ]
        newest = max((int(n["lastModifiedAt"]) for n in fresh), default=since)
        next_cursor = format_time(_moment(newest)) if newest > since else cursor
        items = await self._mentions(
            sorted({s for n in fresh if (s := convert.mention_subject(n))})
        )
        items.sort(key=lambda i: i.published_at)
        return [Activity.heard(i) for i in items], next_cursor

    async def _mentions(self, subjects: Sequence[str]) -> list[Interaction]:
        """The posts and comments named by mention notifications, as mentions; one that is
        gone since is left out."""
        posts: list[Json] = []
        comments: list[Json] = []
        for post in sorted({s for s in subjects if not convert.is_comment(s)}):
            try:
                posts.append(await self._get(f"/posts/{convert.restli(post)}"))
            except NotFound:
                continue
        wanted = {s for s in subjects if convert.is_comment(s)}
        for post in sorted({convert.comment_post(s) for s in wanted}):
            try:
                thread = await self._comments(post)
            except NotFound:
                continue
            comments += [c for c in thread if c.get("commentUrn") in wanted]
        people = await self._who(
            [
                *(str(p.get("author") or "") for p in posts),
                *(convert.comment_actor(c) for c in comments),
            ]
        )
        made = [
            *(convert.mention_from_post(p, people, self.view) for p in posts),
            *(convert.mention_from_comment(c, people, self.view) for c in comments),
        ]
        return [item for item in made if item is not None]

    # -- tokens ---------------------------------------------------------------------------------

    async def credential_status(self) -> CredentialStatus:
        """When the token ends, from LinkedIn's token introspection (with the app's client id
        and secret); without them, one cheap authenticated read and no date."""
        renew = renew_steps(self.settings)
        settings = self.settings
        if not (settings.client_id and settings.client_secret):
            if not settings.person:
                await self._get(
                    "/posts",
                    {"q": "author", "author": settings.author_urn, "count": 1},
                )
            return CredentialStatus(None, renew)
        request = self.client.build_request(
            "POST",
            f"{settings.oauth_url.rstrip('/')}/oauth/v2/introspectToken",
            data={
                "client_id": settings.client_id,
                "client_secret": settings.client_secret,
                "token": settings.access_token,
            },
        )
        response = await send(
            self.client,
            request,
            check=self._check_introspection,
            policy=self.policy,
            sleep=self.sleep,
            label=LABEL,
        )
        body = json_object(response, LABEL)
        if body.get("active") is not True:
            status = str(body.get("status") or "inactive")
            raise AuthError(
                f"LinkedIn says the access token of {settings.account} is {status}; {renew}.",
                network=self.network,
                status=401,
            )
        expires = body.get("expires_at")
        at = datetime.fromtimestamp(expires, UTC) if isinstance(expires, int) else None
        return CredentialStatus(at, renew)

    def _check_introspection(self, response: httpx.Response) -> None:
        if response.status_code in (400, 401):
            raise AuthError(
                f"LinkedIn refused the app's credentials when asked about the token of "
                f"{self.settings.account} ({_said(response)}); check {CLIENT_ID_VARIABLE} and "
                f"{CLIENT_SECRET_VARIABLE}.",
                network=self.network,
                status=response.status_code,
            )
        self._check(response)
