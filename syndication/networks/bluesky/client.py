"""The Bluesky adapter's I/O: publish exactly once, reply, read threads and notifications.

Implements ``Publisher``, ``Replier`` and ``Reader`` (``syndication.networks.base``) with raw XRPC
over an injected ``httpx.AsyncClient``; the JSON is converted by ``bluesky_convert``. Every call
goes to the account's PDS (``settings.service``), which answers ``com.atproto.*`` itself and
forwards ``app.bsky.*`` to its AppView, as Bluesky's own app does.

Upstream pages: https://docs.bsky.app/docs/api/com-atproto-server-create-session,
https://docs.bsky.app/docs/api/com-atproto-repo-create-record,
https://docs.bsky.app/docs/api/com-atproto-repo-get-record,
https://docs.bsky.app/docs/api/com-atproto-repo-upload-blob,
https://docs.bsky.app/docs/api/com-atproto-identity-resolve-handle,
https://docs.bsky.app/docs/api/app-bsky-feed-get-post-thread,
https://docs.bsky.app/docs/api/app-bsky-feed-get-likes,
https://docs.bsky.app/docs/api/app-bsky-feed-get-reposted-by,
https://docs.bsky.app/docs/api/app-bsky-feed-get-quotes,
https://docs.bsky.app/docs/api/app-bsky-feed-get-posts,
https://docs.bsky.app/docs/api/app-bsky-notification-list-notifications.

Quirks of the network recorded here:

- Exactly once: the record key (a TID, ``bluesky_convert.new_tid``) is chosen when the intent
  is recorded, and ``createRecord`` is given it as ``rkey``. Creating a record whose key exists
  fails with a bare **500** (not a conflict), so ``publish`` first looks the key up with
  ``getRecord``, and after any failed attempt looks again before trying once more.
- XRPC errors come as ``{"error": name, "message": ...}``: a missing post is **400**
  ``NotFound`` (``getPostThread``) or ``RecordNotFound`` (``getRecord``), and an expired access
  token is **400** ``ExpiredToken``; they are mapped here before ``raise_for_status``.
- A password login costs the PDS a scrypt (about half a second): the session is made once per
  client and refreshed with ``refreshSession`` when the access token expires.
- ``getPosts`` answers an empty list, not an error, for a post that does not exist.
- ``listNotifications`` has an opaque cursor for paging back, but nothing to ask for "newer than":
  the stored cursor is the ``indexedAt`` of the newest notification seen, and paging stops at
  the first one not newer than it. A first run pages back as far as ``MAX_PAGES`` allows: the
  likes it carries spare the first full refresh a ``getLikes`` per post.
- Public conversations are read logged out from the AppView (``settings.appview``) when one is
  set, as a reader of the site sees them: through the PDS, each read costs it a signed
  service-auth token and a forward (measured on the local network: 36 ms of CPU a thread,
  against 14 ms at the AppView). Notifications and writes always go through the PDS.
- ``getPosts`` takes 25 URIs and gives each post's ``replyCount``, ``likeCount``,
  ``repostCount`` and ``quoteCount``: that is how a refresh knows which lists to read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from syndication import secrets
from syndication.errors import (
    AuthError,
    NetworkError,
    NotFound,
    RateLimited,
    Rejected,
    Unavailable,
    network_words,
)
from syndication.model import Copy, Interaction, InteractionKind, parse_time, utc_now
from syndication.networks.base import (
    READ_KINDS,
    Activity,
    Counts,
    CredentialStatus,
    Draft,
    Found,
    LinkCard,
    Published,
    RetryPolicy,
    Sleep,
    TextLimits,
    json_object,
    raise_for_status,
    send,
)
from syndication.networks.bluesky import convert
from syndication.networks.bluesky.settings import BlueskySettings

SEARCH_LIMIT = 50  # posts per search and run (searchPosts allows up to 100)

logger = logging.getLogger(__name__)

DEFAULT_POLICY = RetryPolicy()
PAGE = 100  # the largest page getLikes, getRepostedBy, getQuotes and listNotifications give
# How far back a lost copy is looked for: the latest records of the account's repository.
RECENT = 50
MAX_PAGES = 50  # bound on any cursor walk, so a looping server cannot keep us forever
THREAD_DEPTH = 1000  # getPostThread's maximum
POSTS_BATCH = 25  # getPosts' maximum
NOT_FOUND_ERRORS = frozenset({"NotFound", "RecordNotFound"})
SESSION_ERRORS = frozenset({"ExpiredToken", "InvalidToken"})


class _SessionExpired(AuthError):
    """The access token expired: refresh the session and try again (never reaches a person)."""


@dataclass
class _Session:
    did: str
    handle: str
    access: str
    refresh: str


def _xrpc_error(response: httpx.Response) -> tuple[str, str]:
    """The XRPC error name and message of an error answer, or empty strings."""
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or ""), str(body.get("message") or "")


class BlueskyClient:
    """One Bluesky account on its PDS: publisher, replier and reader.

    ``company_handles`` are the handles or DIDs of the company's accounts on the network (the
    brand's own is always included), so their answers are marked ``by_company``.
    """

    network = "bluesky"
    counts_batch = POSTS_BATCH

    def __init__(
        self,
        settings: BlueskySettings,
        client: httpx.AsyncClient,
        *,
        company_handles: Iterable[str] = (),
        policy: RetryPolicy = DEFAULT_POLICY,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.client = client
        self.policy = policy
        self.sleep = sleep
        self.service = settings.service.rstrip("/")
        self.appview = settings.appview.rstrip("/")
        self.label = f"Bluesky at {urlsplit(self.service).netloc or self.service}"
        self._company = [*company_handles, settings.handle]
        self.view = convert.Viewpoint.of(self._company)
        secrets.register(settings.app_password)
        self._session: _Session | None = None
        self._login_lock = asyncio.Lock()
        self._dids: dict[str, str | None] = {}

    # -- plumbing -------------------------------------------------------------------------------

    def _check(self, response: httpx.Response) -> None:
        if response.status_code in (400, 401):
            error, message = _xrpc_error(response)
            if error in SESSION_ERRORS:
                raise _SessionExpired(
                    f"{self.label}: the session of {self.settings.handle} expired ({error}).",
                    network=self.network,
                    status=response.status_code,
                )
            if error in NOT_FOUND_ERRORS:
                raise NotFound(
                    f"{self.label} has no such item ({network_words(message or error)}).",
                    network=self.network,
                    status=response.status_code,
                )
        raise_for_status(
            response,
            network=self.network,
            label=self.label,
            account=self.settings.account,
            credential_variable=self.settings.credential_variable,
        )

    async def _send(
        self, request: httpx.Request, policy: RetryPolicy | None = None
    ) -> httpx.Response:
        return await send(
            self.client,
            request,
            check=self._check,
            policy=policy or self.policy,
            sleep=self.sleep,
            label=self.label,
        )

    async def _xrpc(
        self,
        method: str,
        nsid: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        content_type: str = "",
        policy: RetryPolicy | None = None,
    ) -> httpx.Response:
        """Call ``nsid`` on the PDS as the account, renewing the session once if it expired."""
        for attempt in (1, 2):
            session = await self._ensure_session()
            headers = {"Authorization": f"Bearer {session.access}"}
            if content_type:
                headers["Content-Type"] = content_type
            request = self.client.build_request(
                method,
                f"{self.service}/xrpc/{nsid}",
                params=dict(params) if params else None,
                json=json,
                content=content,
                headers=headers,
            )
            try:
                return await self._send(request, policy)
            except _SessionExpired:
                if attempt == 2:
                    raise
                await self._renew(session)
        raise AssertionError("unreachable")

    async def _object(self, method: str, nsid: str, **kwargs: Any) -> dict[str, Any]:
        return json_object(await self._xrpc(method, nsid, **kwargs), self.label)

    async def _public(self, nsid: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """A public read: logged out at the AppView when one is set, else through the PDS."""
        if not self.appview:
            return await self._object("GET", nsid, params=params)
        request = self.client.build_request(
            "GET", f"{self.appview}/xrpc/{nsid}", params=dict(params)
        )
        return json_object(await self._send(request), self.label)

    # -- session --------------------------------------------------------------------------------

    async def _ensure_session(self) -> _Session:
        if self._session is None:
            async with self._login_lock:
                if self._session is None:
                    self._session = await self._login()
        return self._session

    async def _login(self) -> _Session:
        """``createSession`` with the app password; AuthError names the handle and variable."""
        request = self.client.build_request(
            "POST",
            f"{self.service}/xrpc/com.atproto.server.createSession",
            json={"identifier": self.settings.handle, "password": self.settings.app_password},
        )
        body = json_object(await self._send(request), self.label)
        return self._session_from(body)

    def _session_from(self, body: Mapping[str, Any]) -> _Session:
        session = _Session(
            did=str(body["did"]),
            handle=str(body.get("handle") or self.settings.handle),
            access=secrets.register(str(body["accessJwt"])),
            refresh=secrets.register(str(body["refreshJwt"])),
        )
        self.view = convert.Viewpoint.of([*self._company, session.did, session.handle])
        return session

    async def _renew(self, stale: _Session) -> None:
        """A fresh access token (``refreshSession``), or a new login when that is refused too."""
        async with self._login_lock:
            if self._session is not stale:
                return  # another task renewed it meanwhile
            request = self.client.build_request(
                "POST",
                f"{self.service}/xrpc/com.atproto.server.refreshSession",
                headers={"Authorization": f"Bearer {stale.refresh}"},
            )
            try:
                body = json_object(await self._send(request), self.label)
                self._session = self._session_from(body)
            except AuthError:
                self._session = await self._login()

    async def account_did(self) -> str:
        """The DID of the account (logs in if needed)."""
        return (await self._ensure_session()).did

    # -- Publisher ------------------------------------------------------------------------------

    async def text_limits(self) -> TextLimits:
        """300 graphemes; a link counts as its own text (Bluesky shortens nothing)."""
        return TextLimits(convert.MAX_GRAPHEMES, None)

    async def find_published(self, key: str, draft: Draft) -> Published | None:
        """The copy published earlier: under the record key ``key``, or else among the account's
        latest posts by the post's URL (the state that recorded it was lost)."""
        found = await self._own_post(key)
        if found is not None:
            return found
        session = await self._ensure_session()
        body = await self._object(
            "GET",
            "com.atproto.repo.listRecords",
            params={"repo": session.did, "collection": convert.POST_COLLECTION, "limit": RECENT},
        )
        records = body.get("records")
        for item in records if isinstance(records, list) else []:
            value = item.get("value") if isinstance(item, Mapping) else None
            if isinstance(value, Mapping) and convert.record_links_to(value, draft.post.url):
                return convert.published_from_record(
                    str(item["uri"]), str(item.get("cid") or ""), value, session.handle
                )
        return None

    async def publish(self, draft: Draft, key: str) -> Published:
        """Post ``draft`` under the record key ``key``; an existing record there is returned."""
        found = await self._own_post(key)
        if found is not None:
            return found
        embed = await self._card_embed(draft.card) if draft.card else None
        record = convert.post_record(
            draft.text,
            utc_now(),
            lang=draft.lang,
            facets=await self.facets(draft.text),
            embed=embed,
        )
        return await self._create(key, record)

    async def _own_post(self, key: str) -> Published | None:
        session = await self._ensure_session()
        try:
            body = await self._object(
                "GET",
                "com.atproto.repo.getRecord",
                params={"repo": session.did, "collection": convert.POST_COLLECTION, "rkey": key},
            )
        except NotFound:
            return None
        value = body.get("value")
        if not isinstance(value, Mapping):
            raise Unavailable(f"{self.label} answered a record without its value.")
        return convert.published_from_record(
            str(body["uri"]), str(body.get("cid") or ""), value, session.handle
        )

    async def _create(self, key: str, record: Mapping[str, Any]) -> Published:
        """``createRecord`` at ``key``, looking the key up again after each failed attempt."""
        session = await self._ensure_session()
        once = RetryPolicy(attempts=1, max_retry_after=self.policy.max_retry_after)
        payload = {
            "repo": session.did,
            "collection": convert.POST_COLLECTION,
            "rkey": key,
            "record": dict(record),
        }
        attempt = 0
        while True:
            attempt += 1
            try:
                body = await self._object(
                    "POST", "com.atproto.repo.createRecord", json=payload, policy=once
                )
                return convert.published_from_record(
                    str(body["uri"]), str(body.get("cid") or ""), record, session.handle
                )
            except RateLimited as error:
                wait = error.retry_after
                if wait is None or wait > self.policy.max_retry_after:
                    raise
                if attempt >= self.policy.attempts:
                    raise
                await self.sleep(wait)
            except (Unavailable, httpx.TransportError) as error:
                # The first attempt may have landed (a timeout after the write, or a retry
                # answered 500 because the key now exists): what is there wins.
                found = await self._own_post(key)
                if found is not None:
                    return found
                if attempt >= self.policy.attempts:
                    if isinstance(error, NetworkError):
                        raise
                    raise Unavailable(
                        f"{self.label} did not answer ({type(error).__name__}); try again later.",
                        network=self.network,
                    ) from error
                await self.sleep(min(self.policy.max_delay, self.policy.base_delay * 2**attempt))

    async def resolve_handle(self, handle: str) -> str | None:
        """The DID of ``handle`` (``resolveHandle`` on the PDS), None when nobody has it."""
        handle = handle.lower()
        if handle not in self._dids:
            try:
                body = await self._object(
                    "GET", "com.atproto.identity.resolveHandle", params={"handle": handle}
                )
                self._dids[handle] = str(body["did"]) if body.get("did") else None
            except (NotFound, Rejected):  # HandleNotFound is a 400
                self._dids[handle] = None
        return self._dids[handle]

    async def facets(self, text: str) -> list[dict[str, Any]]:
        """The facets of ``text``, mentions resolved to DIDs (unknown handles stay plain text)."""
        handles = convert.mentions_in(text)
        dids = await asyncio.gather(*(self.resolve_handle(h) for h in handles))
        resolved = {h: d for h, d in zip(handles, dids, strict=True) if d}
        return convert.facets_for(text, resolved)

    async def _card_embed(self, card: LinkCard) -> dict[str, Any]:
        return convert.external_embed(card, await self._thumbnail(card))

    async def _thumbnail(self, card: LinkCard) -> dict[str, Any] | None:
        """The card's image uploaded as a blob under 1,000,000 bytes; None (logged) without one.

        A missing image does not stop the post: the card goes out without its picture.
        """
        data = await self._image_bytes(card)
        if data is None:
            return None
        try:
            fitted, mime = convert.fit_image(data)
        except ValueError as error:
            logger.warning("%s: the card image of %s is unusable: %s", self.label, card.url, error)
            return None
        body = await self._object(
            "POST", "com.atproto.repo.uploadBlob", content=fitted, content_type=mime
        )
        blob = body.get("blob")
        return dict(blob) if isinstance(blob, Mapping) else None

    async def _image_bytes(self, card: LinkCard) -> bytes | None:
        if card.image_path:
            try:
                return await asyncio.to_thread(Path(card.image_path).read_bytes)
            except OSError as error:
                logger.warning("%s: cannot read %s: %s", self.label, card.image_path, error)
        if card.image_url:
            try:
                response = await self.client.get(card.image_url, follow_redirects=True)
                if response.status_code == 200:
                    return response.content
                logger.warning(
                    "%s: %s answered %s", self.label, card.image_url, response.status_code
                )
            except httpx.HTTPError as error:
                logger.warning("%s: cannot fetch %s: %s", self.label, card.image_url, error)
        return None

    # -- Replier --------------------------------------------------------------------------------

    async def _post_view(self, uri: str) -> Mapping[str, Any]:
        """The post at ``uri`` (``getPosts``; any repository), NotFound when it is gone."""
        body = await self._object("GET", "app.bsky.feed.getPosts", params={"uris": [uri]})
        posts = body.get("posts")
        for post in posts if isinstance(posts, list) else []:
            if isinstance(post, Mapping) and post.get("uri") == uri and post.get("cid"):
                return post
        raise NotFound(
            f"the post {uri} no longer exists on {self.label}; nothing was posted.",
            network=self.network,
        )

    async def credential_status(self) -> CredentialStatus:
        """A login with the app password (``createSession``); app passwords do not expire."""
        await self._ensure_session()
        return CredentialStatus(
            renew="in Bluesky's settings, App passwords: add one, then replace the secret"
        )

    def reply_text(self, parent: Interaction, text: str) -> str:
        """The answer as sent: Bluesky threads it by reference, the text is left as it is."""
        return text

    async def reply(self, parent: Interaction, root: Copy, text: str, key: str) -> Published:
        """Answer ``parent`` in its thread under the record key ``key`` (exactly once).

        The parent is read back for its CID, which the model does not keep; the thread's root is
        the parent's own root when it is a reply, else the parent (a quote starts its own
        thread), else the company's copy.
        """
        found = await self._own_post(key)
        if found is not None:
            return found
        if parent.kind not in (
            InteractionKind.REPLY,
            InteractionKind.QUOTE,
            InteractionKind.MENTION,
        ):
            raise Rejected(
                f"a {parent.kind.value} cannot be answered on Bluesky; answer a reply instead.",
                network=self.network,
            )
        post = await self._post_view(parent.id)
        parent_ref = convert.strong_ref(str(post["uri"]), str(post["cid"]))
        record = post.get("record")
        declared = record.get("reply") if isinstance(record, Mapping) else None
        if isinstance(declared, Mapping) and isinstance(declared.get("root"), Mapping):
            root_ref = convert.strong_ref(
                str(declared["root"]["uri"]), str(declared["root"]["cid"])
            )
        elif parent.kind is not InteractionKind.REPLY:
            root_ref = parent_ref
        elif root.extra.get("cid"):
            root_ref = convert.strong_ref(root.id, root.extra["cid"])
        else:
            copy = await self._post_view(root.id)
            root_ref = convert.strong_ref(root.id, str(copy["cid"]))
        reply_record = convert.post_record(
            text,
            utc_now(),
            lang=answer_lang(post),
            facets=await self.facets(text),
            reply={"root": root_ref, "parent": parent_ref},
        )
        return await self._create(key, reply_record)

    async def find_reply(self, key: str, parent: Interaction, text: str) -> Published | None:
        """The answer recorded under the record key ``key``, if any."""
        return await self._own_post(key)

    # -- Reader ---------------------------------------------------------------------------------

    async def _pages(self, nsid: str, params: Mapping[str, Any], field: str) -> list[Any]:
        """Every item of the list ``field`` of a cursor-paged public endpoint."""
        items: list[Any] = []
        cursor = ""
        for _ in range(MAX_PAGES):
            query = {**params, "limit": PAGE, **({"cursor": cursor} if cursor else {})}
            body = await self._public(nsid, query)
            page = body.get(field)
            page = page if isinstance(page, list) else []
            items.extend(item for item in page if isinstance(item, Mapping))
            cursor = str(body.get("cursor") or "")
            if not page or not cursor:
                break
        return items

    def kinds_readable(self, copy: Copy) -> frozenset[InteractionKind]:
        """Every list, whatever the copy's age."""
        return READ_KINDS

    async def counts(self, copies: Sequence[Copy]) -> dict[str, Counts] | None:
        """The counts of up to 25 copies (``getPosts``); a copy that is gone is left out."""
        body = await self._public("app.bsky.feed.getPosts", {"uris": [c.id for c in copies]})
        posts = body.get("posts")
        return {
            str(post["uri"]): convert.counts_from_post_view(post)
            for post in (posts if isinstance(posts, list) else [])
            if isinstance(post, Mapping) and post.get("uri")
        }

    async def conversation(
        self, copy: Copy, kinds: frozenset[InteractionKind] = READ_KINDS
    ) -> list[Interaction]:
        """Public replies (nested), likes, reposts and quotes of the copy; NotFound when gone.

        Only the lists of ``kinds`` are read. The replies come with the whole thread, whose
        root counts its likes, reposts and quotes: a list counted empty there is not asked for.
        """
        thread: dict[str, Any] = {}
        counts: Mapping[str, Any] = {}
        if InteractionKind.REPLY in kinds:
            try:
                thread = await self._public(
                    "app.bsky.feed.getPostThread",
                    {"uri": copy.id, "depth": THREAD_DEPTH, "parentHeight": 0},
                )
            except NotFound as error:
                raise NotFound(
                    f"the Bluesky copy {copy.url or copy.id} no longer exists on {self.label}.",
                    network=self.network,
                    status=error.status,
                ) from error
            root = thread.get("thread")
            view = root.get("post") if isinstance(root, Mapping) else None
            counts = view if isinstance(view, Mapping) else {}
        likes, reposted_by, quotes = await asyncio.gather(
            self._listed(
                kinds,
                InteractionKind.LIKE,
                counts.get("likeCount"),
                "app.bsky.feed.getLikes",
                copy.id,
                "likes",
            ),
            self._listed(
                kinds,
                InteractionKind.REPOST,
                counts.get("repostCount"),
                "app.bsky.feed.getRepostedBy",
                copy.id,
                "repostedBy",
            ),
            self._listed(
                kinds,
                InteractionKind.QUOTE,
                counts.get("quoteCount"),
                "app.bsky.feed.getQuotes",
                copy.id,
                "posts",
            ),
        )
        await self._ensure_session()  # so the account's own DID is in the viewpoint
        return convert.conversation_from(copy, thread, likes, reposted_by, quotes, self.view)

    async def _listed(
        self,
        kinds: frozenset[InteractionKind],
        kind: InteractionKind,
        count: object,
        nsid: str,
        uri: str,
        field: str,
    ) -> list[Any]:
        """Every item of a list about ``uri``; nothing asked when not wanted or counted empty."""
        if kind not in kinds or count == 0:
            return []
        return await self._pages(nsid, {"uri": uri}, field)

    async def notifications(self, cursor: str) -> tuple[list[Activity], str]:
        """Replies, mentions, quotes, likes and reposts indexed after ``cursor``, oldest first.

        ``cursor`` is the ``indexedAt`` of the newest notification seen by the previous run.
        """
        since = parse_time(cursor) if cursor else None
        fresh: list[tuple[datetime, Mapping[str, Any]]] = []
        page_cursor = ""
        for _ in range(MAX_PAGES):
            query: dict[str, Any] = {"limit": PAGE}
            if page_cursor:
                query["cursor"] = page_cursor
            body = await self._object(
                "GET", "app.bsky.notification.listNotifications", params=query
            )
            page = body.get("notifications")
            page = [n for n in (page if isinstance(page, list) else []) if isinstance(n, Mapping)]
            older = False
            for notification in page:
                moment = convert.notification_time(notification)
                if moment is None:
                    continue
                if since is not None and moment <= since:
                    older = True
                    continue
                fresh.append((moment, notification))
            page_cursor = str(body.get("cursor") or "")
            if older or not page or not page_cursor:
                break
        fresh.sort(key=lambda pair: pair[0])
        await self._ensure_session()
        activities = [
            activity
            for activity in (convert.activity_from_notification(n, self.view) for _, n in fresh)
            if activity is not None
        ]
        newest = str(fresh[-1][1]["indexedAt"]) if fresh else cursor
        return activities, newest

    # -- Searcher (invoke listen) -----------------------------------------------------------------

    async def search(self, query: str, newest: str) -> Found:
        """Posts matching ``query`` created after ``newest`` (an ISO time; "" on a first run).

        ``app.bsky.feed.searchPosts`` (https://docs.bsky.app/docs/api/app-bsky-feed-search-posts),
        called logged in through the brand's PDS, which forwards it to its AppView: Bluesky's
        public AppView refuses search to logged-out callers since 2025. ``sort=latest`` and
        ``since`` keep it to new posts; the company's own posts are left out.
        """
        params: dict[str, Any] = {"q": query, "sort": "latest", "limit": SEARCH_LIMIT}
        if newest:
            params["since"] = newest
        body = await self._object("GET", "app.bsky.feed.searchPosts", params=params)
        posts = []
        raw = body.get("posts")
        for view in raw if isinstance(raw, list) else []:
            if not isinstance(view, dict):
                continue
            item = convert.interaction_from_post_view(view, InteractionKind.MENTION, "", self.view)
            if item is None or item.by_company:
                continue
            moment = convert.format_time_micro(item.published_at)
            if newest and moment < newest:  # a server that ignores ``since``
                continue
            posts.append(item)
        latest = max((convert.format_time_micro(p.published_at) for p in posts), default="")
        return Found(posts, max(latest, newest))


def answer_lang(parent: Mapping[str, Any]) -> str:
    """The language of an answer: the parent post's first language, else none."""
    record = parent.get("record")
    langs = record.get("langs") if isinstance(record, Mapping) else None
    return str(langs[0]) if isinstance(langs, list) and langs else ""


__all__ = ["BlueskyClient"]
