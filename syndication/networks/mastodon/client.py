"""The Mastodon adapter's I/O: publish, reconcile, reply, read threads and notifications.

Implements ``Publisher``, ``Replier`` and ``Reader`` (``syndication.networks.base``) over the REST
API (https://docs.joinmastodon.org/methods/statuses/,
https://docs.joinmastodon.org/methods/notifications/, https://docs.joinmastodon.org/methods/instance/)
through an injected ``httpx.AsyncClient``; the JSON is converted by ``mastodon_convert``.

Quirks of the network recorded here:

- No link card upload: Mastodon builds the card itself from the page's OpenGraph tags, which is
  why a post is only announced once its page is live. Only the text goes out.
- ``Idempotency-Key`` makes a repeated ``POST /api/v1/statuses`` return the first status, but only
  for about an hour, and nothing can be looked up by it. Reconciling after a crash therefore reads
  the account's 40 latest statuses and looks for the post's URL (or, for an answer, the parent and
  the text).
- ``/api/v1/statuses/:id/quotes`` exists from Mastodon 4.5; older servers answer 404, read as "no
  quotes". ``favourited_by``, ``reblogged_by``, ``quotes`` and ``notifications`` page with a
  ``Link`` header; only links back to the same instance are followed, so the token never leaves it.
- Notifications are read newest first with ``since_id``. A first run (no cursor) reads every
  thread, so it pages back through the likes and boosts only (``types[]``), as far as
  ``MAX_PAGES`` allows: they spare it a ``favourited_by`` and a ``reblogged_by`` per status, while
  the mentions would only repeat the threads.
- ``GET /api/v1/statuses?id[]=`` (from Mastodon 4.3; at most 20 ids, ``DEFAULT_STATUSES_LIMIT``)
  gives each status's ``replies_count``, ``favourites_count``, ``reblogs_count`` and, from 4.5,
  ``quotes_count``: that is how a refresh knows which lists to read. An older server answers
  404; then every list is read, as before. Statuses without ``quotes_count`` have their quotes
  read every time (mastodon-mock serves ``/quotes`` but does not count them; the sandbox adds
  the count, ``sandbox.mastodon_edge``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import httpx

from syndication import secrets
from syndication.errors import NetworkError, NotFound, Rejected, Unavailable
from syndication.model import Copy, Interaction, InteractionKind
from syndication.networks.base import (
    READ_KINDS,
    Activity,
    Counts,
    CredentialStatus,
    Draft,
    Found,
    Published,
    RetryPolicy,
    Sleep,
    TextLimits,
    json_object,
    raise_for_status,
    send,
)
from syndication.networks.mastodon import convert
from syndication.networks.mastodon.settings import MastodonSettings

SEARCH_LIMIT = 40  # statuses per search and run (Mastodon's maximum)


def _status_number(status_id: str) -> int:
    return int(status_id) if status_id.isdigit() else -1


logger = logging.getLogger(__name__)

NOTIFICATION_PAGE = 80  # the API's largest page
STATUSES_BATCH = 20  # the most ids GET /api/v1/statuses takes (DEFAULT_STATUSES_LIMIT)
RECENT_STATUSES = 40  # how far back reconciliation looks (the API's maximum page)
DEFAULT_POLICY = RetryPolicy()
# What a first run pages back through: the threads it reads hold the replies and the quotes.
REACTION_TYPES: tuple[str, ...] = ("favourite", "reblog")
MAX_PAGES = 50  # bound on any Link-header walk, so a looping server cannot keep us forever

T = TypeVar("T")


def _result(outcome: T | BaseException) -> T:
    """The value of one read gathered with ``return_exceptions``, or its error raised."""
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def _max_id(url: str) -> str:
    """The ``max_id`` of a ``Link`` page URL, "" when there is none."""
    return httpx.URL(url).params.get("max_id", "") if url else ""


def _id_order(status_id: str) -> tuple[int, str]:
    """Sort key of Mastodon ids: numeric strings of growing length (snowflakes)."""
    return (len(status_id), status_id)


class MastodonClient:
    """One Mastodon account on its instance: publisher, replier and reader.

    ``company_accounts`` are the accts (``user`` or ``user@domain``) of the company's own
    accounts on the network, so their answers are marked ``by_company``.
    """

    network = "mastodon"
    counts_batch = STATUSES_BATCH

    def __init__(
        self,
        settings: MastodonSettings,
        client: httpx.AsyncClient,
        *,
        company_accounts: Iterable[str] = (),
        policy: RetryPolicy = DEFAULT_POLICY,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.client = client
        self.policy = policy
        self.sleep = sleep
        self.base_url = settings.base_url.rstrip("/")
        self._company = [*company_accounts, *([settings.acct] if settings.acct else [])]
        self.view = convert.Viewpoint.of(self.base_url, self._company)
        self.label = f"Mastodon at {self.view.domain}"
        secrets.register(settings.access_token)
        self._limits: TextLimits | None = None
        self._account_id = ""
        self._self_lock = asyncio.Lock()
        self._counts_supported = True  # until the instance says it predates 4.3
        self._quotes_supported = True  # until it says it predates 4.5

    # -- plumbing -------------------------------------------------------------------------------

    def _check(self, response: httpx.Response) -> None:
        raise_for_status(
            response,
            network=self.network,
            label=self.label,
            account=self.settings.account,
            credential_variable=self.settings.credential_variable,
        )

    def _url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    async def _call(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        key: str = "",
    ) -> httpx.Response:
        # No token in a preview (a pull request has no secrets): only public reads are made then.
        token = self.settings.access_token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if key:
            headers["Idempotency-Key"] = key
        request = self.client.build_request(
            method, url, params=dict(params) if params else None, json=json, headers=headers
        )
        return await send(
            self.client,
            request,
            check=self._check,
            policy=self.policy,
            sleep=self.sleep,
            label=self.label,
        )

    async def _object(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return json_object(await self._call(method, self._url(path), **kwargs), self.label)

    def _next(self, response: httpx.Response) -> str:
        """The ``Link: rel="next"`` page, when it stays on this instance."""
        url = response.links.get("next", {}).get("url", "")
        return url if url.startswith(f"{self.base_url}/") else ""

    def _list(self, response: httpx.Response) -> list[dict[str, Any]]:
        try:
            body = response.json()
        except ValueError as error:
            raise Unavailable(f"{self.label} answered something that is not JSON.") from error
        if not isinstance(body, list):
            raise Unavailable(f"{self.label} answered JSON that is not a list.")
        return [item for item in body if isinstance(item, dict)]

    async def _pages(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Every item of a list endpoint, following its ``Link`` header."""
        items: list[dict[str, Any]] = []
        url: str = self._url(path)
        query: Mapping[str, Any] | None = params
        for _ in range(MAX_PAGES):
            response = await self._call("GET", url, params=query)
            page = self._list(response)
            items.extend(page)
            url, query = self._next(response), None
            if not page or not url:
                break
        return items

    async def _own_account_id(self) -> str:
        async with self._self_lock:  # threads are read concurrently: ask the instance once
            if not self._account_id:
                account = await self._object("GET", "/api/v1/accounts/verify_credentials")
                self._account_id = str(account["id"])
                # The brand's own name is known to the instance only (AGORA_MASTODON_ACCOUNT may
                # be unset): its answers are the company's.
                acct = str(account.get("acct") or "")
                if acct and not self.settings.acct:
                    self.view = convert.Viewpoint.of(self.base_url, [*self._company, acct])
        return self._account_id

    async def _know_self(self) -> None:
        """Make sure the viewpoint names this account, before converting what others wrote."""
        if not self.settings.acct:
            await self._own_account_id()

    async def _recent_statuses(self) -> list[dict[str, Any]]:
        account_id = await self._own_account_id()
        response = await self._call(
            "GET",
            self._url(f"/api/v1/accounts/{account_id}/statuses"),
            params={"limit": RECENT_STATUSES},
        )
        return self._list(response)

    # -- Publisher ------------------------------------------------------------------------------

    async def text_limits(self) -> TextLimits:
        """The instance's limit and URL weight (``GET /api/v2/instance``), else 500 and 23."""
        if self._limits is None:
            try:
                instance = await self._object("GET", "/api/v2/instance")
            except NetworkError as error:
                logger.warning(
                    "%s did not give its limits (%s); using 500 and 23", self.label, error
                )
                return TextLimits(convert.DEFAULT_MAX_CHARACTERS, convert.DEFAULT_URL_WEIGHT)
            self._limits = convert.text_limits_from_instance(instance)
        return self._limits

    async def publish(self, draft: Draft, key: str) -> Published:
        """Post the draft's text publicly under the idempotency ``key`` (no card: see module)."""
        status = await self._object(
            "POST",
            "/api/v1/statuses",
            json=convert.status_request(draft.text, draft.lang),
            key=key,
        )
        return convert.published_from_status(status, self.view)

    async def find_published(self, key: str, draft: Draft) -> Published | None:
        """The copy posted earlier, found among the account's latest statuses by the post's URL."""
        for status in await self._recent_statuses():
            if status.get("in_reply_to_id") or status.get("reblog"):
                continue
            if convert.links_to(status, draft.post.url):
                return convert.published_from_status(status, self.view)
        return None

    # -- Replier --------------------------------------------------------------------------------

    async def credential_status(self) -> CredentialStatus:
        """``verify_credentials``; an access token lives until it is revoked."""
        await self._own_account_id()
        return CredentialStatus(
            renew="in the instance's Preferences, Development: open the app, regenerate its "
            "access token, then replace the secret"
        )

    def reply_text(self, parent: Interaction, text: str) -> str:
        """The answer as sent: it mentions the parent's author, who is only notified so."""
        return convert.reply_text(parent, text, self.view)

    async def reply(self, parent: Interaction, root: Copy, text: str, key: str) -> Published:
        """Answer ``parent`` publicly; its author is mentioned so that they are notified."""
        status = await self._object(
            "POST",
            "/api/v1/statuses",
            json=convert.status_request(
                convert.reply_text(parent, text, self.view), "", in_reply_to_id=parent.id
            ),
            key=key,
        )
        return convert.published_from_status(status, self.view)

    async def find_reply(self, key: str, parent: Interaction, text: str) -> Published | None:
        """The answer posted earlier: a status of ours answering ``parent`` with this text."""
        sent = convert.reply_text(parent, text, self.view)
        for status in await self._recent_statuses():
            if str(status.get("in_reply_to_id") or "") == parent.id and convert.same_text(
                status, sent
            ):
                return convert.published_from_status(status, self.view)
        return None

    # -- Reader ---------------------------------------------------------------------------------

    def kinds_readable(self, copy: Copy) -> frozenset[InteractionKind]:
        """Every list, whatever the copy's age."""
        return READ_KINDS

    async def counts(self, copies: Sequence[Copy]) -> dict[str, Counts] | None:
        """The counts of up to 20 copies in one request; None from a server before 4.3."""
        if not self._counts_supported:
            return None
        try:
            response = await self._call(
                "GET", self._url("/api/v1/statuses"), params={"id[]": [c.id for c in copies]}
            )
        except (NotFound, Rejected):
            self._counts_supported = False
            return None
        return {
            str(status["id"]): convert.counts_from_status(status)
            for status in self._list(response)
            if status.get("id")
        }

    async def conversation(
        self, copy: Copy, kinds: frozenset[InteractionKind] = READ_KINDS
    ) -> list[Interaction]:
        """Public replies (nested), likes, boosts and quotes of the copy; NotFound if gone.

        Only the lists of ``kinds`` are read.
        """
        await self._know_self()
        base = f"/api/v1/statuses/{copy.id}"
        reads: dict[InteractionKind, Awaitable[Any]] = {}
        if InteractionKind.REPLY in kinds:
            reads[InteractionKind.REPLY] = self._object("GET", f"{base}/context")
        if InteractionKind.LIKE in kinds:
            reads[InteractionKind.LIKE] = self._pages(f"{base}/favourited_by", {"limit": 80})
        if InteractionKind.REPOST in kinds:
            reads[InteractionKind.REPOST] = self._pages(f"{base}/reblogged_by", {"limit": 80})
        if InteractionKind.QUOTE in kinds and self._quotes_supported:
            reads[InteractionKind.QUOTE] = self._quotes(copy.id)
        # The reads do not depend on each other: sent together, a thread costs one round trip
        # instead of two, which halves a full backfeed over a distant instance. A copy that is
        # gone costs a few useless requests, but that is rare.
        answers = await asyncio.gather(*reads.values(), return_exceptions=True)
        outcomes: dict[InteractionKind, Any] = dict(zip(reads, answers, strict=True))
        for kind in (InteractionKind.REPLY, InteractionKind.LIKE, InteractionKind.REPOST):
            if isinstance(outcomes.get(kind), NotFound):
                raise NotFound(
                    f"the Mastodon copy {copy.url or copy.id} no longer exists on "
                    f"{self.view.domain}.",
                    network=self.network,
                    status=404,
                ) from outcomes[kind]
        if isinstance(outcomes.get(InteractionKind.QUOTE), NotFound):
            # The status is there but /quotes is not: a server before Mastodon 4.5. No quotes,
            # and no more asking this run.
            self._quotes_supported = False
            outcomes[InteractionKind.QUOTE] = []
        found = {kind: _result(outcome) for kind, outcome in outcomes.items()}
        descendants = found.get(InteractionKind.REPLY, {}).get("descendants")
        return convert.conversation_from(
            copy.id,
            copy.published_at or copy.intent_at,
            descendants if isinstance(descendants, list) else [],
            found.get(InteractionKind.LIKE, []),
            found.get(InteractionKind.REPOST, []),
            found.get(InteractionKind.QUOTE, []),
            self.view,
        )

    async def _quotes(self, status_id: str) -> list[dict[str, Any]]:
        return await self._pages(f"/api/v1/statuses/{status_id}/quotes", {"limit": 40})

    async def notifications(self, cursor: str) -> tuple[list[Activity], str]:
        """Mentions, likes, boosts, quotes after ``cursor`` (oldest first) and the next cursor.

        A first run (no cursor) reads every thread, which holds the replies and quotes: it pages
        back through the likes and boosts only, and asks for one notification of any type to
        know where the next run starts.
        """
        await self._know_self()
        if cursor:
            seen = await self._notification_pages(convert.NOTIFICATION_TYPES, cursor)
            newest = str(seen[-1]["id"]) if seen else cursor
        else:
            latest, seen = await asyncio.gather(
                self._notification_pages(convert.NOTIFICATION_TYPES, "", limit=1, pages=1),
                self._notification_pages(REACTION_TYPES, ""),
            )
            newest = max((str(n["id"]) for n in [*latest, *seen[-1:]]), key=_id_order, default="")
        activities = [
            activity
            for activity in (convert.activity_from_notification(n, self.view) for n in seen)
            if activity is not None
        ]
        return activities, newest

    async def _notification_pages(
        self,
        types: Sequence[str],
        cursor: str,
        limit: int = NOTIFICATION_PAGE,
        pages: int = MAX_PAGES,
    ) -> list[dict[str, Any]]:
        """The notifications of ``types`` after ``cursor`` ("": all), oldest first.

        At most ``pages`` pages of ``limit`` are read.
        """
        params: dict[str, Any] = {"types[]": list(types), "limit": limit}
        if cursor:
            params["since_id"] = cursor
        seen: list[dict[str, Any]] = []
        query = params
        for _ in range(pages):
            response = await self._call("GET", self._url("/api/v1/notifications"), params=query)
            page = self._list(response)
            fresh = [n for n in page if not cursor or _id_order(str(n["id"])) > _id_order(cursor)]
            seen.extend(fresh)
            # The next page is asked with our own filters and the link's max_id: a server may
            # leave ``types[]`` out of its Link header (mastodon-mock does), and then page two
            # would hold every type.
            max_id = _max_id(self._next(response))
            if not max_id or not fresh or len(fresh) < len(page):
                break
            query = {**params, "max_id": max_id}
        seen.sort(key=lambda n: _id_order(str(n["id"])))
        return seen

    # -- Searcher (invoke listen) -----------------------------------------------------------------

    async def search(self, query: str, newest: str) -> Found:
        """Public statuses matching ``query`` newer than the status id ``newest``.

        ``GET /api/v2/search?type=statuses`` (https://docs.joinmastodon.org/methods/search/), with
        the brand's token and ``min_id``. A full-text search of statuses exists only where the
        instance runs its search engine; elsewhere it finds nothing, which is not an error.
        """
        from syndication.listen.feeds import plain_text  # Mastodon's HTML as readable words

        await self._know_self()  # the brand's own statuses are recognised and left out
        params: dict[str, Any] = {"q": query, "type": "statuses", "limit": SEARCH_LIMIT}
        if newest:
            params["min_id"] = newest
        body = await self._object("GET", "/api/v2/search", params=params)
        posts = []
        raw = body.get("statuses")
        for status in raw if isinstance(raw, list) else []:
            if not isinstance(status, dict) or not status.get("id"):
                continue
            if newest and _status_number(str(status["id"])) <= _status_number(newest):
                continue  # an instance that ignores ``min_id``
            item = convert.interaction_from_status(status, InteractionKind.MENTION, self.view)
            if item is None or item.by_company:
                continue
            posts.append(
                Interaction(
                    network=item.network,
                    kind=item.kind,
                    id=item.id,
                    author=item.author,
                    published_at=item.published_at,
                    url=item.url,
                    content_text=plain_text(item.content_html),
                    summary=item.summary,
                    lang=item.lang,
                )
            )
        latest = max((p.id for p in posts), key=_status_number, default="")
        return Found(posts, max(latest, newest, key=_status_number) if latest else newest)
