"""The X adapter's I/O: publish exactly once, reply, read conversations and mentions.

Implements ``Adapter`` (``syndication.networks.base``) over X API v2 with an injected
``httpx.AsyncClient``; the JSON is converted by ``convert``. Requests are signed with OAuth 1.0a
user context by Authlib (``oauth``): a maintained signer, and the only X credential for CI that
does not expire.

Upstream pages: https://docs.x.com/x-api/posts/manage-tweets/introduction (``POST /2/tweets``),
https://docs.x.com/x-api/posts/lookup/introduction (``GET /2/tweets``),
https://docs.x.com/x-api/posts/timelines/introduction (a user's posts and mentions),
https://docs.x.com/x-api/posts/search/introduction (recent search),
https://docs.x.com/x-api/posts/likes/introduction, https://docs.x.com/x-api/posts/retweets/introduction,
https://docs.x.com/x-api/posts/quote-tweets/introduction, https://docs.x.com/x-api/users/lookup/introduction.

Quirks of the network recorded here:

- **No idempotency key.** The key of the intent is ours alone. Before anything is posted, the
  account's own posts since the post's date (7 days at most) are searched for one that links to
  the page (``find_published``), so a crash after X took the post never makes a second one. A
  post with the same text twice is refused by X itself (403, "duplicate content"): ``publish``
  then looks the earlier one up and returns it.
- **Pay per use.** Every post read costs (https://docs.x.com/x-api/getting-started/pricing): the
  mentions are read from the last seen id (``since_id``), a first run reads one small page to
  learn where to start, the counts of up to 100 copies come in one request, and the replies of
  the copies that a run reads together are found with one recent search
  (``conversation_id:A OR conversation_id:B``, as many as 512 characters allow).
- **Seven days of search.** Recent search covers 7 days: a copy older than that keeps the replies
  gathered while it was young (``kinds_readable``); its likes, reposts and quotes are still read,
  and replies to the brand still come through the mentions.
- **Protected accounts** are only readable by their followers: their posts, likes and reposts are
  never stored.
- **Hidden replies.** X does not say, in what it answers, that a reply was hidden by the author of
  the conversation (``PUT /2/tweets/:id/hidden`` writes it; nothing reads it back). A reply the
  company hid on X is hidden on the site through the moderation file (``hidden_items``).
- **Replies by API accounts** (https://docs.x.com/x-api/posts/manage-tweets/integrate): since
  2026 an account posting through the API may answer only a post that mentions it or that it
  wrote (a reply to the brand mentions it). An employee's own account answering a reader who
  did not name them is refused (403): that is said in one sentence, nothing is posted.
- **Errors** are problem documents (``{"title", "detail", "type", "status"}``): 401 is a bad key
  or token, 403 ``client-not-enrolled`` an app without the access it needs, 402 or 429 a usage
  cap or rate limit (``x-rate-limit-reset`` says when it lifts).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
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
from syndication.model import Copy, Interaction, InteractionKind, format_time, utc_now
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
    json_object,
    parse_retry_after,
    raise_for_status,
    send,
)
from syndication.networks.x import convert
from syndication.networks.x.oauth import OAuth1
from syndication.networks.x.settings import XSettings

logger = logging.getLogger(__name__)

DEFAULT_POLICY = RetryPolicy()
LABEL = "X"
COUNTS_BATCH = 100  # ids of GET /2/tweets
PAGE = 100  # max_results of the lists
FIRST_MENTIONS = 5  # the smallest page X gives: a first run only learns where to start
MAX_PAGES = 10
OWN_POSTS_WINDOW = timedelta(days=7)  # how far back an earlier copy is looked for
SEARCH_MARGIN = timedelta(hours=1)  # a copy this close to 7 days old is no longer searched
_NOT_FOUND = "/2/problems/resource-not-found"  # after https://api.x.com (or api.twitter.com)

Json = Mapping[str, Any]
Found = tuple[list[Json], dict[str, Json]]  # posts, and their authors by id


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _said(problem: Mapping[str, Any], response: httpx.Response) -> str:
    text = problem.get("detail") or problem.get("title") or response.reason_phrase or ""
    return network_words(str(text))  # one printable line of readable length


class DuplicateContent(Rejected):
    """X refused a post whose text the account already posted (403 "duplicate content")."""


class _ReplySearch:
    """Finds the posts of several conversations in as few recent searches as possible.

    ``conversation`` calls that run together (backfeed reads several copies at once) each ask
    for one conversation; they wait one turn of the event loop, then one query asks for all.
    """

    def __init__(self, search: Callable[[list[str]], Awaitable[Found]]) -> None:
        self._search = search
        self._waiting: dict[str, list[asyncio.Future[Found]]] = {}
        self._flush: asyncio.Future[None] | None = None

    async def posts(self, conversation_id: str) -> Found:
        """The posts of the conversation, and their authors."""
        future: asyncio.Future[Found] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(conversation_id, []).append(future)
        if self._flush is None:
            self._flush = asyncio.ensure_future(self._run())
        return await future

    async def _run(self) -> None:
        for _ in range(3):  # let the reads started in this turn of the loop join
            await asyncio.sleep(0)
        waiting, self._waiting, self._flush = self._waiting, {}, None
        try:
            for group in convert.conversation_queries(sorted(waiting)):
                try:
                    posts, users = await self._search(group)
                except (AgoraError, httpx.HTTPError) as error:
                    for cid in group:
                        for future in waiting[cid]:
                            if not future.done():
                                future.set_exception(error)
                    continue
                for cid in group:
                    mine = [p for p in posts if str(p.get("conversation_id") or "") == cid]
                    for future in waiting[cid]:
                        if not future.done():
                            future.set_result((mine, users))
        finally:
            for futures in waiting.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(Unavailable("X's search stopped before answering."))


class XClient:
    """One X account: publisher, replier and reader.

    ``company_accounts`` are the usernames of the company's own accounts, so their answers are
    marked ``by_company``.
    """

    network = convert.NETWORK
    counts_batch = COUNTS_BATCH

    def __init__(
        self,
        settings: XSettings,
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
        self.view = convert.Viewpoint.of([*company_accounts, settings.handle])
        for value in (
            settings.consumer_secret,
            settings.access_token,
            settings.access_token_secret,
        ):
            secrets.register(value)
        self.auth = (
            OAuth1(
                settings.consumer_key,
                settings.consumer_secret,
                settings.access_token,
                settings.access_token_secret,
            )
            if settings.can_sign
            else None
        )
        self._user_id = ""
        self._self_lock = asyncio.Lock()
        self._missing: set[str] = set()  # copies the last counts left out: gone, or hidden
        self._replies = _ReplySearch(self._search_conversations)

    # -- plumbing -------------------------------------------------------------------------------

    def _check(self, response: httpx.Response) -> None:
        """Map X's problem documents to the project's errors, one sentence each."""
        status = response.status_code
        if status < 400:
            return
        problem = _problem(response)
        said = _said(problem, response)
        account = self.settings.account
        kind = str(problem.get("type") or "")
        if status == 403 and (
            problem.get("reason") == "client-not-enrolled" or kind.endswith("client-forbidden")
        ):
            raise AuthError(
                f"X refuses the app that signs for {account} ({said}); in X's developer console, "
                "attach the app to a project with the access it needs, then run again.",
                network=self.network,
                status=status,
            )
        if status == 403 and "duplicate" in said.lower():
            raise DuplicateContent(
                f"X already has a post of {account} with exactly this text ({said}).",
                network=self.network,
                status=status,
            )
        if status == 403 and "where you are mentioned" in said:
            # X's rule for API accounts since 2026: a reply only where the account was summoned.
            raise Rejected(
                f"X lets {account} answer only posts that mention it or that it wrote ({said}); "
                "nothing was posted: answer from the brand's account or in X's own app.",
                network=self.network,
                status=status,
            )
        if status == 403:
            raise AuthError(
                f"X does not let {account} do this ({said}); check the app's permissions "
                f"(read and write) and {self.settings.credential_variable}.",
                network=self.network,
                status=status,
            )
        if status in (402, 429):
            wait = parse_retry_after(response)
            when = f"; it lifts in {wait:.0f} s" if wait is not None else ""
            why = "usage cap" if status == 402 or "usage" in kind else "rate limit"
            raise RateLimited(
                f"X's {why} is reached for {account} ({said}){when}; what is not done stays "
                "pending for the next run.",
                network=self.network,
                status=status,
                retry_after=wait,
            )
        raise_for_status(
            response,
            network=self.network,
            label=LABEL,
            account=account,
            credential_variable=self.settings.credential_variable,
        )

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        request = self.client.build_request(
            method,
            f"{self.base_url}{path}",
            params=dict(params) if params else None,
            json=json,
        )
        response = await send(
            self.client,
            request,
            check=self._check,
            policy=self.policy,
            sleep=self.sleep,
            label=LABEL,
            auth=self.auth,
        )
        return json_object(response, LABEL)

    async def _user(self) -> str:
        """The account's user id (``GET /2/users/me``), asked once."""
        async with self._self_lock:
            if not self._user_id:
                me = await self._call("GET", "/2/users/me")
                data = me.get("data")
                if not isinstance(data, Mapping) or not data.get("id"):
                    raise Unavailable("X did not say who the account is (GET /2/users/me).")
                self._user_id = str(data["id"])
        return self._user_id

    async def _pages(
        self, path: str, params: Mapping[str, Any], token_name: str = "pagination_token"
    ) -> Found:
        """Every page of a list: the posts (or users) and the users its ``includes`` carry."""
        items: list[Json] = []
        users: dict[str, Json] = {}
        query = dict(params)
        for _ in range(MAX_PAGES):
            body = await self._call("GET", path, params=query)
            items.extend(convert.posts_of(body))
            users.update(convert.users_by_id(body))
            meta = body.get("meta")
            token = meta.get("next_token") if isinstance(meta, Mapping) else None
            if not token:
                break
            query = {**params, token_name: token}
        return items, users

    @staticmethod
    def _reading(**extra: Any) -> dict[str, Any]:
        return {
            "post.fields": convert.POST_FIELDS,
            "expansions": convert.EXPANSIONS,
            "user.fields": convert.USER_FIELDS,
            **extra,
        }

    async def _own_posts(self, **params: Any) -> list[Json]:
        user = await self._user()
        posts, _users = await self._pages(
            f"/2/users/{user}/tweets",
            self._reading(max_results=PAGE, **params),
        )
        return posts

    # -- Publisher ------------------------------------------------------------------------------

    async def text_limits(self) -> TextLimits:
        """280 weighted characters, every link 23 (X's rule; no call)."""
        return TextLimits(convert.MAX_WEIGHTED_LENGTH, convert.URL_WEIGHT)

    async def publish(self, draft: Draft, key: str) -> Published:
        """Post the draft's text; X draws its card from the page's Open Graph tags."""
        sent_at = utc_now()
        try:
            body = await self._call("POST", "/2/tweets", json={"text": draft.text})
        except DuplicateContent as error:
            # The same text twice is refused: the first one went out (a lost answer, say).
            found = await self.find_published(key, draft)
            if found is not None:
                return found
            raise error
        data = body.get("data")
        if not isinstance(data, Mapping) or not data.get("id"):
            raise Unavailable("X answered the post without its id.")
        return convert.published_from_post(data, self.settings.handle, sent_at)

    async def find_published(self, key: str, draft: Draft) -> Published | None:
        """The copy posted earlier: a post of the account since the post's date (7 days at most)
        that links to the page and answers nobody."""
        since = max(draft.post.date, utc_now() - OWN_POSTS_WINDOW)
        posts = await self._own_posts(start_time=format_time(since), exclude="replies,retweets")
        for post in posts:
            refs = convert.references(post)
            if "replied_to" in refs or "retweeted" in refs:
                continue
            if convert.links_to(post, draft.post.url):
                return convert.published_from_post(post, self.settings.handle, utc_now())
        return None

    # -- Replier --------------------------------------------------------------------------------

    async def credential_status(self) -> CredentialStatus:
        """``GET /2/users/me``; OAuth 1.0a tokens live until they are revoked."""
        await self._user()
        return CredentialStatus(
            renew="in X's developer console, the app's Keys and tokens: regenerate the access "
            "token and secret, then replace both secrets"
        )

    def reply_text(self, parent: Interaction, text: str) -> str:
        """The answer as sent: X threads it by ``in_reply_to_tweet_id`` and notifies the parent's
        author itself, so the text is left as it is."""
        return text

    async def reply(self, parent: Interaction, root: Copy, text: str, key: str) -> Published:
        """Answer ``parent`` in its thread."""
        sent_at = utc_now()
        body = await self._call(
            "POST", "/2/tweets", json={"text": text, "reply": {"in_reply_to_tweet_id": parent.id}}
        )
        data = body.get("data")
        if not isinstance(data, Mapping) or not data.get("id"):
            raise Unavailable("X answered the reply without its id.")
        return convert.published_from_post(data, self.settings.handle, sent_at)

    async def find_reply(self, key: str, parent: Interaction, text: str) -> Published | None:
        """The answer sent earlier: a post of ours after ``parent`` answering it with this text."""
        for post in await self._own_posts(since_id=parent.id):
            replied = convert.references(post).get("replied_to")
            if replied == parent.id and convert.same_text(post, text):
                return convert.published_from_post(post, self.settings.handle, utc_now())
        return None

    # -- Reader ---------------------------------------------------------------------------------

    def kinds_readable(self, copy: Copy) -> frozenset[InteractionKind]:
        """Every list while recent search covers the copy; after 7 days, all but the replies."""
        published = copy.published_at or copy.intent_at
        window = timedelta(days=convert.SEARCH_WINDOW_DAYS) - SEARCH_MARGIN
        if utc_now() - published < window:
            return READ_KINDS
        return READ_KINDS - {InteractionKind.REPLY}

    async def counts(self, copies: Sequence[Copy]) -> dict[str, Counts] | None:
        """The counts of up to 100 copies in one request (``GET /2/tweets?ids=``)."""
        body = await self._call(
            "GET",
            "/2/tweets",
            params={"ids": ",".join(c.id for c in copies), "post.fields": "public_metrics"},
        )
        found = {str(post["id"]): convert.counts_from_post(post) for post in convert.posts_of(body)}
        self._missing |= {c.id for c in copies if c.id not in found}
        return found

    async def _exists(self, copy: Copy) -> bool:
        """Whether X still has the copy (one read, only for a copy the counts left out)."""
        try:
            body = await self._call("GET", f"/2/tweets/{copy.id}")
        except NotFound:
            return False
        if convert.posts_of(body):
            return True
        errors = body.get("errors") or []
        return not any(
            isinstance(e, Mapping) and str(e.get("type") or "").endswith(_NOT_FOUND) for e in errors
        )

    async def _search_conversations(self, conversation_ids: list[str]) -> Found:
        query = convert.conversation_query(conversation_ids)
        return await self._pages(
            "/2/tweets/search/recent",
            self._reading(query=query, max_results=PAGE),
            token_name="next_token",
        )

    async def _users(self, path: str) -> list[Json]:
        users, _ = await self._pages(
            path, {"max_results": PAGE, "user.fields": convert.USER_FIELDS}
        )
        return users

    async def conversation(
        self, copy: Copy, kinds: frozenset[InteractionKind] = READ_KINDS
    ) -> list[Interaction]:
        """Public replies (nested), likes, reposts and quotes of the copy; NotFound if gone."""
        if copy.id in self._missing:
            self._missing.discard(copy.id)
            if not await self._exists(copy):
                raise NotFound(
                    f"the X copy {copy.url or copy.id} no longer exists.",
                    network=self.network,
                    status=404,
                )
        base = f"/2/tweets/{copy.id}"
        reads: dict[InteractionKind, Awaitable[Any]] = {}
        if InteractionKind.REPLY in kinds:
            reads[InteractionKind.REPLY] = self._replies.posts(copy.id)
        if InteractionKind.LIKE in kinds:
            reads[InteractionKind.LIKE] = self._users(f"{base}/liking_users")
        if InteractionKind.REPOST in kinds:
            reads[InteractionKind.REPOST] = self._users(f"{base}/retweeted_by")
        if InteractionKind.QUOTE in kinds:
            reads[InteractionKind.QUOTE] = self._pages(
                f"{base}/quote_tweets", self._reading(max_results=PAGE)
            )
        # The reads do not depend on each other: sent together, a thread costs one round trip.
        answers = await asyncio.gather(*reads.values(), return_exceptions=True)
        outcomes = dict(zip(reads, answers, strict=True))
        for outcome in outcomes.values():
            if isinstance(outcome, NotFound):
                raise NotFound(
                    f"the X copy {copy.url or copy.id} no longer exists.",
                    network=self.network,
                    status=404,
                ) from outcome
            if isinstance(outcome, BaseException):
                raise outcome
        at = copy.published_at or copy.intent_at
        items: list[Interaction] = []
        if InteractionKind.REPLY in outcomes:
            posts, users = outcomes[InteractionKind.REPLY]
            items += convert.thread(copy.id, posts, users, self.view)
        for kind in (InteractionKind.LIKE, InteractionKind.REPOST):
            for user in outcomes.get(kind, []):
                like_or_repost = convert.reaction(user, kind, copy.id, at, self.view)
                if like_or_repost is not None:
                    items.append(like_or_repost)
        if InteractionKind.QUOTE in outcomes:
            posts, users = outcomes[InteractionKind.QUOTE]
            for post in posts:
                quote = convert.interaction_from_post(post, users, InteractionKind.QUOTE, self.view)
                if quote is not None:
                    items.append(quote)
        return items

    async def notifications(self, cursor: str) -> tuple[list[Activity], str]:
        """Mentions of the brand after ``cursor`` (oldest first) and the next cursor.

        A first run reads every thread, so it only reads the smallest page of mentions, to
        learn where the next run starts (each post read costs).
        """
        user = await self._user()
        path = f"/2/users/{user}/mentions"
        if cursor:
            posts, users = await self._pages(path, self._reading(max_results=PAGE, since_id=cursor))
        else:
            body = await self._call("GET", path, params=self._reading(max_results=FIRST_MENTIONS))
            posts, users = convert.posts_of(body), convert.users_by_id(body)
        ordered = sorted(posts, key=lambda p: (len(str(p["id"])), str(p["id"])))
        newest = str(ordered[-1]["id"]) if ordered else cursor
        activities = [
            activity
            for activity in (convert.activity_from_post(post, users, self.view) for post in ordered)
            if activity is not None
        ]
        return activities, newest
