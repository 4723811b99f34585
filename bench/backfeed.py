"""Backfeed benchmark: what a first full backfeed and a steady-state run cost over 1,000 posts.

For each network it starts the real local peer on free loopback ports in a temporary folder
(Mastodon: ``sandbox.mastodon``, mastodon-mock; Bluesky: Bluesky's own PDS and AppView,
``sandbox.bluesky``; LinkedIn: our double of its API, ``sandbox.linkedin``; X: our double of its API
v2, ``sandbox.x``), publishes N posts as the brand with some replies,
likes and reposts by the demo readers, and writes N state files whose published copies point at
those real posts. The backfeed engine (``syndication.backfeed.Backfeed``) then reads them through
the network's adapter, with a transport that waits ``--delay-ms`` before each request (a distant
server's round trip) and counts the requests; they really go to the loopback server.

Two runs are measured per network:

  (a) the first full backfeed (``run(full=True)``), every copy due. Target: under 10 s;
  (b) a steady-state run after 10 new replies arrived, one hour later (the clock given to the
      engine moves on by the schedule's shortest interval, as the next hourly run would see it):
      the replies come from the notification stream; only threads due by the schedule are read.
      Target: at most 20 requests per network, and at most 10 on X, which charges for each.

The copies' publication dates are one day apart, the newest an hour old (a busy company blog:
1,000 posts in under three years), so the schedule (``refresh_interval``) has something to do.
Each network is measured on its own; figures are wall times: run it on a quiet machine.

Usage, from the repository root: ``.venv/bin/python -m bench.backfeed [--posts 1000]
[--delay-ms 50] [--networks mastodon bluesky x]`` (as a module: the local peers, ``sandbox/``,
are tooling beside the package, importable from the root only).

``--copies 100000 [--hours 168]`` measures an archive of that many copies instead, on simulated
networks (no peer holds 100,000 posts): seconds and peak memory of a steady-state run, and
requests per hour over a simulated week (``bench/backfeed_scale.py``, issue 20).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bench.backfeed_scale import run_scale
from sandbox import bluesky, linkedin, mastodon, meta, x
from sandbox.bluesky import BlueskyNetwork, Ports
from sandbox.linkedin import LinkedInServer
from sandbox.mastodon import MastodonServer
from sandbox.meta import THREADS_VERSION, MetaServer
from sandbox.meta import VERSION as GRAPH_VERSION
from sandbox.processes import SandboxError, free_port, read_pid
from sandbox.x import XServer
from syndication.backfeed.engine import REFRESH_SCHEDULE, Backfeed, BackfeedReport
from syndication.model import Copy, CopyStatus, PostState, utc_now
from syndication.networks.base import Reader
from syndication.networks.bluesky import BlueskySettings
from syndication.networks.bluesky.convert import post_url
from syndication.networks.facebook import FacebookSettings
from syndication.networks.facebook.convert import post_url as facebook_post_url
from syndication.networks.instagram import InstagramSettings
from syndication.networks.linkedin import LinkedInSettings
from syndication.networks.mastodon import MastodonSettings
from syndication.networks.registry import adapter_for
from syndication.networks.threads import ThreadsSettings
from syndication.networks.x import XSettings
from syndication.networks.x.oauth import OAuth1
from syndication.store.state import StateStore

FIRST_RUN_TARGET_SECONDS = 10.0
STEADY_TARGET_REQUESTS = 20
# X charges for every call (https://docs.x.com/x-api/getting-started/pricing): a tighter target.
STEADY_TARGETS = {"x": 10, "linkedin": 20, "facebook": 10, "threads": 10, "instagram": 10}
NEW_REPLIES = 10
NETWORKS = ("mastodon", "bluesky", "x", "linkedin", "facebook", "threads", "instagram")
SCALE_NETWORKS = ("mastodon", "bluesky")  # --copies: each post has a copy on each
SITEURL = "https://blogue.example.com"
# How the seed spreads reactions: every Nth post gets one (so 1,000 posts carry about 700).
REPLY_EVERY, NESTED_EVERY, LIKE_EVERY, REPOST_EVERY = 5, 20, 3, 10
SEED_CONCURRENCY = 8  # writes to a peer while seeding; its database serialises them anyway
HTTP_TIMEOUT_SECONDS = 60.0
# The steady-state run comes one shortest schedule interval after the first.
STEADY_LATER = min(interval for _, interval in REFRESH_SCHEDULE)
POST_SPACING = timedelta(days=1)

T = TypeVar("T")
LINKEDIN_VERSION = "202611"
Post = dict[str, str]  # what a seeded post is known by: id, url, and Bluesky's cid


class DelayedTransport(httpx.AsyncBaseTransport):
    """Waits ``delay`` seconds before handing each request to the real transport; counts them."""

    def __init__(self, inner: httpx.AsyncBaseTransport, delay: float) -> None:
        self.inner = inner
        self.delay = delay
        self.requests: Counter[str] = Counter()  # by path pattern, to show where requests go

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Count, wait as a distant server would, then send for real."""
        self.requests[_pattern(request.url.path)] += 1
        await asyncio.sleep(self.delay)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        """Close the real transport."""
        await self.inner.aclose()

    @property
    def total(self) -> int:
        """Requests carried so far."""
        return sum(self.requests.values())


def process_cpu(pid: int | None) -> float | None:
    """CPU seconds (user and system) ``pid`` has used so far, from ``/proc``; None elsewhere."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # utime and stime are fields 14 and 15 of stat(5); the split above starts at field 3.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pattern(path: str) -> str:
    """``/api/v1/statuses/123/context`` -> ``/api/v1/statuses/:id/context``."""
    return "/".join(":id" if part.isdigit() else part for part in path.split("/"))


async def _all(calls: Iterable[Awaitable[T]]) -> list[T]:
    return list(await asyncio.gather(*calls))


@dataclass(frozen=True)
class RunFigures:
    """What one measured backfeed run cost and did."""

    label: str
    seconds: float
    requests: int
    peer_cpu: float | None  # CPU seconds the peer's process spent meanwhile (Linux only)
    own_cpu: float  # CPU seconds of this process (the engine, the adapter, httpx)
    by_path: dict[str, int]
    report: BackfeedReport


# ---------------------------------------------------------------------------------------------
# The worlds on the peers: what the brand posted and what the readers did with it


class MastodonWorld:
    """The Mastodon peer, written to as its demo accounts straight (no delay, not counted)."""

    network = "mastodon"

    def __init__(self, server: MastodonServer, client: httpx.AsyncClient, pid: int | None) -> None:
        self.server = server
        self.client = client
        self.peer_pid = pid
        self.account = mastodon.BRAND
        self.readers = [account.username for account in server.readers]
        self.limit = asyncio.Semaphore(SEED_CONCURRENCY)

    def adapter(self, client: httpx.AsyncClient) -> Reader:
        """The brand's adapter, reading through ``client``."""
        settings = MastodonSettings(
            base_url=self.server.base_url,
            access_token=self.server.brand_token,
            acct=self.account,  # as AGORA_MASTODON_ACCOUNT names it
        )
        return adapter_for(settings, client)

    async def _call(self, username: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.server.tokens[username]}"}
        async with self.limit:
            response = await self.client.post(
                f"{self.server.base_url}{path}", json=payload, headers=headers
            )
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def post(self, username: str, text: str, parent: Post | None = None) -> Post:
        """A public status by ``username``, answering ``parent`` when given."""
        payload: dict[str, Any] = {"status": text, "visibility": "public"}
        if parent:
            payload["in_reply_to_id"] = parent["id"]
            text = f"@{self.account} {text}"  # as clients do, so the brand is notified
            payload["status"] = text
        status = await self._call(username, "/api/v1/statuses", payload)
        return {"id": str(status["id"]), "url": str(status["url"])}

    async def like(self, username: str, subject: Post) -> None:
        """``username`` favourites ``subject``."""
        await self._call(username, f"/api/v1/statuses/{subject['id']}/favourite", {})

    async def repost(self, username: str, subject: Post) -> None:
        """``username`` boosts ``subject``."""
        await self._call(username, f"/api/v1/statuses/{subject['id']}/reblog", {})

    async def settle(self) -> None:
        """Nothing to wait for: the peer answers with what it stored."""


class BlueskyWorld:
    """The local Bluesky network, written to through the PDS as its demo accounts (raw XRPC)."""

    network = "bluesky"

    def __init__(self, net: BlueskyNetwork, client: httpx.AsyncClient, pid: int | None) -> None:
        self.net = net
        self.client = client
        self.peer_pid = pid
        self.account = net.brand.handle
        self.readers = [account.handle for account in net.readers]
        self.limit = asyncio.Semaphore(SEED_CONCURRENCY)
        self._sessions: dict[str, tuple[str, str]] = {}  # handle -> (access token, did)

    def adapter(self, client: httpx.AsyncClient) -> Reader:
        """The brand's adapter, reading through ``client``."""
        brand = self.net.brand
        settings = BlueskySettings(
            service=self.net.pds_url,
            handle=brand.handle,
            app_password=brand.app_password,
            appview=self.net.appview_url,  # as AGORA_BLUESKY_APPVIEW names it
        )
        return adapter_for(settings, client)

    async def _xrpc(self, nsid: str, body: dict[str, Any], token: str = "") -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.limit:
            response = await self.client.post(
                f"{self.net.pds_url}/xrpc/{nsid}", json=body, headers=headers
            )
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    async def _session(self, handle: str) -> tuple[str, str]:
        # One login per account: each costs the PDS a password hash.
        if handle not in self._sessions:
            account = self.net.account(handle)
            body = {"identifier": handle, "password": account.app_password}
            answer = await self._xrpc("com.atproto.server.createSession", body)
            self._sessions[handle] = (str(answer["accessJwt"]), str(answer["did"]))
        return self._sessions[handle]

    async def _create(self, handle: str, collection: str, record: dict[str, Any]) -> Post:
        token, did = await self._session(handle)
        body = {"repo": did, "collection": collection, "record": {"$type": collection, **record}}
        created = await self._xrpc("com.atproto.repo.createRecord", body, token)
        uri = str(created["uri"])
        return {"id": uri, "cid": str(created["cid"]), "url": post_url(handle, uri)}

    @staticmethod
    def _now() -> str:
        # Milliseconds, as Bluesky's app writes them: the AppView pages notifications by time,
        # and records stamped to the second would share a page boundary.
        return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    async def post(self, handle: str, text: str, parent: Post | None = None) -> Post:
        """A post by ``handle``, answering ``parent`` (and its thread's root) when given."""
        record: dict[str, Any] = {"text": text, "createdAt": self._now(), "langs": ["fr"]}
        if parent:
            ref = {"uri": parent["id"], "cid": parent["cid"]}
            root = {
                "uri": parent.get("root_id", parent["id"]),
                "cid": parent.get("root_cid", parent["cid"]),
            }
            record["reply"] = {"root": root, "parent": ref}
        made = await self._create(handle, "app.bsky.feed.post", record)
        if parent:
            made |= {
                "root_id": record["reply"]["root"]["uri"],
                "root_cid": record["reply"]["root"]["cid"],
            }
        return made

    async def like(self, handle: str, subject: Post) -> None:
        """``handle`` likes ``subject``."""
        ref = {"uri": subject["id"], "cid": subject["cid"]}
        await self._create(handle, "app.bsky.feed.like", {"subject": ref, "createdAt": self._now()})

    async def repost(self, handle: str, subject: Post) -> None:
        """``handle`` reposts ``subject``."""
        ref = {"uri": subject["id"], "cid": subject["cid"]}
        await self._create(
            handle, "app.bsky.feed.repost", {"subject": ref, "createdAt": self._now()}
        )

    async def settle(self) -> None:
        """Let the AppView index every write so far (it serves the adapter's reads)."""
        await asyncio.to_thread(self.net.process)


class XWorld:
    """The local X double, written to as its demo accounts through X's API (OAuth 1.0a)."""

    network = "x"

    def __init__(self, server: XServer, client: httpx.AsyncClient, pid: int | None) -> None:
        self.server = server
        self.client = client
        self.peer_pid = pid
        self.account = server.brand.username
        self.readers = [account.username for account in server.readers]
        self.limit = asyncio.Semaphore(SEED_CONCURRENCY)

    def adapter(self, client: httpx.AsyncClient) -> Reader:
        """The brand's adapter, reading through ``client``."""
        brand = self.server.brand
        settings = XSettings(
            api_url=self.server.base_url,
            handle=brand.username,
            consumer_key=self.server.consumer_key,
            consumer_secret=self.server.consumer_secret,
            access_token=brand.access_token,
            access_token_secret=brand.access_token_secret,
        )
        return adapter_for(settings, client)

    async def _call(self, username: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        account = self.server.account(username)
        auth = OAuth1(
            self.server.consumer_key,
            self.server.consumer_secret,
            account.access_token,
            account.access_token_secret,
        )
        async with self.limit:
            response = await self.client.post(
                f"{self.server.base_url}{path}", json=payload, auth=auth
            )
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def post(self, username: str, text: str, parent: Post | None = None) -> Post:
        """A post by ``username``, answering ``parent`` when given (X then notifies the brand)."""
        payload: dict[str, Any] = {"text": text}
        if parent:
            payload["reply"] = {"in_reply_to_tweet_id": parent["id"]}
            # X refuses the same text twice from one account: "Je suis d'accord." needs a tail.
            payload["text"] = f"{text} ({parent['id'][-4:]})"
        made = await self._call(username, "/2/tweets", payload)
        post_id = str(made["data"]["id"])
        return {"id": post_id, "url": f"https://x.com/{username}/status/{post_id}"}

    async def like(self, username: str, subject: Post) -> None:
        """``username`` likes ``subject``."""
        user = self.server.account(username).user_id
        await self._call(username, f"/2/users/{user}/likes", {"tweet_id": subject["id"]})

    async def repost(self, username: str, subject: Post) -> None:
        """``username`` reposts ``subject``."""
        user = self.server.account(username).user_id
        await self._call(username, f"/2/users/{user}/retweets", {"tweet_id": subject["id"]})

    async def settle(self) -> None:
        """Nothing to wait for: the double answers with what it stored."""


class LinkedInWorld:
    """The local LinkedIn double: the page posts through LinkedIn's API, readers comment and
    react through its control routes (as members do on LinkedIn's site).

    LinkedIn gives no list of reposts, only their number (Organization Share Statistics, read
    beside the social metadata of each batch of copies): a seeded repost is counted, not stored
    as an interaction. It has no notification stream either: the 10 new comments of the
    steady-state run are found when the schedule reaches their copies, so that run reads only
    the copies due.
    """

    network = "linkedin"

    def __init__(self, server: LinkedInServer, client: httpx.AsyncClient, pid: int | None) -> None:
        self.server = server
        self.client = client
        self.peer_pid = pid
        self.account = server.organization_urn
        self.readers = [account.username for account in server.readers]
        self.limit = asyncio.Semaphore(SEED_CONCURRENCY)

    def adapter(self, client: httpx.AsyncClient) -> Reader:
        """The page's adapter, reading through ``client``."""
        settings = LinkedInSettings(
            api_url=self.server.base_url,
            oauth_url=self.server.base_url,
            organization=self.server.organization,
            version=LINKEDIN_VERSION,
            access_token=self.server.brand_token,
        )
        return adapter_for(settings, client)

    async def _control(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        async with self.limit:
            response = await self.client.post(
                f"{self.server.base_url}/_double/{name}", json=payload
            )
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def post(self, username: str, text: str, parent: Post | None = None) -> Post:
        """A post of the page, or a reader's comment on ``parent`` (a post or a comment)."""
        if parent is None:
            headers = {
                "Authorization": f"Bearer {self.server.brand_token}",
                "LinkedIn-Version": LINKEDIN_VERSION,
                "X-Restli-Protocol-Version": "2.0.0",
            }
            body = {
                "author": self.account,
                "commentary": text,  # the seeded texts have no reserved character
                "visibility": "PUBLIC",
                "distribution": {"feedDistribution": "MAIN_FEED"},
                "lifecycleState": "PUBLISHED",
            }
            response = await self.client.post(
                f"{self.server.base_url}/rest/posts", json=body, headers=headers
            )
            response.raise_for_status()
            urn = response.headers["x-restli-id"]
            return {"id": urn, "url": f"https://www.linkedin.com/feed/update/{urn}/", "root": urn}
        root = parent["root"]
        nested = parent["id"] != root
        made = await self._control(
            "comment",
            {
                "username": username,
                "on": root,
                "text": text,
                "parent": parent["id"] if nested else None,
            },
        )
        return {"id": made["commentUrn"], "url": parent["url"], "root": root}

    async def like(self, username: str, subject: Post) -> None:
        """``username`` reacts to ``subject``."""
        await self._control("react", {"username": username, "on": subject["id"], "type": "LIKE"})

    async def repost(self, username: str, subject: Post) -> None:
        """``username`` reposts ``subject`` (a post: a comment cannot be reposted)."""
        if subject["id"] == subject["root"]:
            await self._control("repost", {"username": username, "on": subject["id"]})

    async def settle(self) -> None:
        """Nothing to wait for: the double answers with what it stored."""


class FacebookWorld:
    """The local Graph double: the Page posts through Graph, readers comment and react through
    its control routes (as people do on Facebook's site).

    Facebook lists no shares and has no notification stream: the 10 new comments of the
    steady-state run are found when their copies' counts are read (2,500 copies a request).
    """

    network = "facebook"

    def __init__(self, server: MetaServer, client: httpx.AsyncClient, pid: int | None) -> None:
        self.server = server
        self.client = client
        self.peer_pid = pid
        self.account = server.page_id
        self.readers = [reader.username for reader in server.readers]
        self.limit = asyncio.Semaphore(SEED_CONCURRENCY)

    def adapter(self, client: httpx.AsyncClient) -> Reader:
        """The Page's adapter, reading through ``client``."""
        settings = FacebookSettings(
            graph_url=self.server.graph_url,
            version=GRAPH_VERSION,
            page_id=self.server.page_id,
            page_token=self.server.page_token,
        )
        return adapter_for(settings, client)

    async def _control(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        async with self.limit:
            response = await self.client.post(
                f"{self.server.base_url}/_double/{name}", json=payload
            )
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    async def post(self, username: str, text: str, parent: Post | None = None) -> Post:
        """A post of the Page, or a reader's comment on ``parent`` (a post or a comment)."""
        if parent is None:
            response = await self.client.post(
                f"{self.server.graph_url}/{GRAPH_VERSION}/{self.server.page_id}/feed",
                data={"message": text},
                headers={"Authorization": f"Bearer {self.server.page_token}"},
            )
            response.raise_for_status()
            post_id = str(response.json()["id"])
            return {"id": post_id, "url": facebook_post_url(post_id)}
        reader = self.server.reader(username).id
        made = await self._control("comment", {"reader": reader, "on": parent["id"], "text": text})
        return {"id": made["id"], "url": parent["url"]}

    async def like(self, username: str, subject: Post) -> None:
        """``username`` likes ``subject``."""
        reader = self.server.reader(username).id
        await self._control("react", {"reader": reader, "on": subject["id"], "type": "LIKE"})

    async def repost(self, username: str, subject: Post) -> None:
        """Nothing: Facebook lists no shares (see the class's docstring)."""

    async def settle(self) -> None:
        """Nothing to wait for: the double answers with what it stored."""


class ThreadsWorld:
    """The local Threads double (under ``/threads`` of the Graph double): the profile posts
    through Threads' container flow, readers reply through its control routes.

    Threads lists neither likes nor reposts, counts nothing in batches and has no notification
    stream: a steady-state run reads the threads the schedule says are due, one request each.
    """

    network = "threads"

    def __init__(self, server: MetaServer, client: httpx.AsyncClient, pid: int | None) -> None:
        self.server = server
        self.client = client
        self.peer_pid = pid
        self.account = server.threads_user_id
        self.readers = [reader.username for reader in server.readers]
        self.limit = asyncio.Semaphore(SEED_CONCURRENCY)

    def adapter(self, client: httpx.AsyncClient) -> Reader:
        """The profile's adapter, reading through ``client``."""
        settings = ThreadsSettings(
            graph_url=self.server.threads_url,
            version=THREADS_VERSION,
            user_id=self.server.threads_user_id,
            access_token=self.server.threads_token,
        )
        return adapter_for(settings, client)

    async def _threads(self, edge: str, data: dict[str, str]) -> str:
        response = await self.client.post(
            f"{self.server.threads_url}/{THREADS_VERSION}/{self.server.threads_user_id}/{edge}",
            data=data,
            headers={"Authorization": f"Bearer {self.server.threads_token}"},
        )
        response.raise_for_status()
        return str(response.json()["id"])

    async def post(self, username: str, text: str, parent: Post | None = None) -> Post:
        """A post of the profile (a container, then its publication), or a reader's reply."""
        if parent is None:
            link = text.rsplit(" ", 1)[-1]
            container = await self._threads(
                "threads", {"media_type": "TEXT", "text": text, "link_attachment": link}
            )
            post_id = await self._threads("threads_publish", {"creation_id": container})
            return {"id": post_id, "url": f"https://www.threads.com/@velosboreal/post/{post_id}"}
        reader = self.server.reader(username).threads_id
        async with self.limit:
            response = await self.client.post(
                f"{self.server.threads_url}/_double/reply",
                json={"reader": reader, "on": parent["id"], "text": text},
            )
        response.raise_for_status()
        return {"id": str(response.json()["id"]), "url": parent["url"]}

    async def like(self, username: str, subject: Post) -> None:
        """Nothing: Threads lists no likes (see the class's docstring)."""

    async def repost(self, username: str, subject: Post) -> None:
        """Nothing: Threads lists no reposts."""

    async def settle(self) -> None:
        """Nothing to wait for: the double answers with what it stored."""


class InstagramWorld:
    """The local Instagram double (under ``/instagram`` of the Graph double): the account posts
    an image through the container flow, readers comment through its control routes.

    Instagram lists no likes or reposts to an app and has no notification stream: a steady-state
    run reads the copies the schedule says are due, one request each (replies expanded). The
    double's 24-hour publishing limit is lifted to seed a thousand posts.
    """

    network = "instagram"

    def __init__(self, server: MetaServer, client: httpx.AsyncClient, pid: int | None) -> None:
        self.server = server
        self.client = client
        self.peer_pid = pid
        self.account = server.instagram_user_id
        self.readers = [reader.username for reader in server.readers]
        self.limit = asyncio.Semaphore(SEED_CONCURRENCY)
        server.instagram_quota(usage=0, total=1_000_000)

    def adapter(self, client: httpx.AsyncClient) -> Reader:
        """The account's adapter, reading through ``client``."""
        settings = InstagramSettings(
            graph_url=self.server.instagram_url,
            version=GRAPH_VERSION,
            user_id=self.server.instagram_user_id,
            access_token=self.server.instagram_token,
        )
        return adapter_for(settings, client)

    async def _graph(self, edge: str, data: dict[str, str]) -> str:
        response = await self.client.post(
            f"{self.server.instagram_url}/{GRAPH_VERSION}/{self.server.instagram_user_id}/{edge}",
            data=data,
            headers={"Authorization": f"Bearer {self.server.instagram_token}"},
        )
        response.raise_for_status()
        return str(response.json()["id"])

    async def post(self, username: str, text: str, parent: Post | None = None) -> Post:
        """A post of the account (an image container, then its publication), or a reader's
        comment (on a post) or reply (to a comment)."""
        if parent is None:
            slug = text.rstrip("/").rsplit("/", 1)[-1]
            image = f"{SITEURL}/images/cards/{slug}.png"
            container = await self._graph("media", {"image_url": image, "caption": text})
            media_id = await self._graph("media_publish", {"creation_id": container})
            return {"id": media_id, "url": f"https://www.instagram.com/p/{media_id}/"}
        reader = self.server.reader(username).instagram_id
        async with self.limit:
            response = await self.client.post(
                f"{self.server.instagram_url}/_double/comment",
                json={"reader": reader, "on": parent["id"], "text": text},
            )
        response.raise_for_status()
        return {"id": str(response.json()["id"]), "url": parent["url"]}

    async def like(self, username: str, subject: Post) -> None:
        """Nothing: Instagram lists no likes to an app (see the class's docstring)."""

    async def repost(self, username: str, subject: Post) -> None:
        """Nothing: Instagram has no reposts."""

    async def settle(self) -> None:
        """Nothing to wait for: the double answers with what it stored."""


World = (
    MastodonWorld
    | BlueskyWorld
    | XWorld
    | LinkedInWorld
    | FacebookWorld
    | ThreadsWorld
    | InstagramWorld
)


async def seed(world: World, posts: int) -> tuple[list[Post], int]:
    """The brand's ``posts`` posts (oldest first) and the number of reactions added to them."""
    readers = world.readers
    published: list[Post] = []
    # One at a time, so the ids grow with the publication order as on a real account.
    for index in range(posts):
        published.append(
            await world.post(world.account, f"Billet {index} : {SITEURL}/fr/billet-{index:05d}/")
        )
    replies = await _all(
        world.post(readers[index % len(readers)], f"Merci pour ce billet {index} !", post)
        for index, post in enumerate(published)
        if index % REPLY_EVERY == 0
    )
    nested = await _all(
        world.post(readers[(index + 1) % len(readers)], "Je suis d'accord.", reply)
        for index, reply in enumerate(replies)
        if index % (NESTED_EVERY // REPLY_EVERY) == 0
    )
    likes = [p for i, p in enumerate(published) if i % LIKE_EVERY == 0]
    reposts = [p for i, p in enumerate(published) if i % REPOST_EVERY == 0]
    await _all(
        [
            *(world.like(readers[i % len(readers)], post) for i, post in enumerate(likes)),
            *(world.repost(readers[i % len(readers)], post) for i, post in enumerate(reposts)),
        ]
    )
    await world.settle()
    return published, len(replies) + len(nested) + len(likes) + len(reposts)


def write_states(store: StateStore, world: World, posts: list[Post], now: datetime) -> None:
    """One state file per post, its published copy dated ``POST_SPACING`` apart, newest last."""
    newest = now - timedelta(hours=1)
    for index, post in enumerate(posts):
        published = newest - POST_SPACING * (len(posts) - 1 - index)
        key = f"billet-{index:05d}.fr"
        state = PostState(key=key)
        state.copies[world.network] = Copy(
            network=world.network,
            status=CopyStatus.PUBLISHED,
            key=f"{key}-{world.network}",
            intent_at=published,
            id=post["id"],
            url=post["url"],
            published_at=published,
            account=world.account,
            extra={"cid": post["cid"]} if "cid" in post else {},
        )
        store.save(state)


# ---------------------------------------------------------------------------------------------
# The measured runs


async def measure(
    label: str, store: StateStore, world: World, delay: float, *, full: bool, now: datetime
) -> RunFigures:
    """One backfeed run through a delaying transport: wall time, requests, CPU on both ends."""
    transport = DelayedTransport(httpx.AsyncHTTPTransport(), delay)
    async with httpx.AsyncClient(transport=transport, timeout=HTTP_TIMEOUT_SECONDS) as client:
        engine = Backfeed(store, {world.network: world.adapter(client)}, client, now=lambda: now)
        peer_before, own_before = process_cpu(world.peer_pid), time.process_time()
        started = time.perf_counter()
        report = await engine.run(full=full)
        seconds = time.perf_counter() - started
        own_cpu, peer_after = time.process_time() - own_before, process_cpu(world.peer_pid)
    peer_cpu = None if peer_before is None or peer_after is None else peer_after - peer_before
    by_path = dict(transport.requests)
    return RunFigures(label, seconds, transport.total, peer_cpu, own_cpu, by_path, report)


def _stored(store: StateStore) -> int:
    return sum(len(state.interactions) for state in store.all())


@dataclass(frozen=True)
class NetworkResult:
    """One network's benchmark: the lines to print, and whether both runs went without failure."""

    lines: list[str]
    ok: bool


async def bench(world: World, work: Path, posts: int, delay: float) -> NetworkResult:
    """Seed the peer, run both backfeeds; the lines of the report."""
    store = StateStore(work / world.network / "state")
    started = time.perf_counter()
    published, reactions = await seed(world, posts)
    first_now = utc_now()
    write_states(store, world, published, first_now)
    lines = [
        f"\n{world.network}: {posts} posts and {reactions} replies, likes and reposts seeded in "
        f"{time.perf_counter() - started:.1f} s"
    ]
    first = await measure("first (full)", store, world, delay, full=True, now=first_now)
    stored_first = _stored(store)
    # Ten readers' replies to posts across the archive, then the next hourly run.
    step = max(1, posts // NEW_REPLIES)
    await _all(
        world.post(
            world.readers[n % len(world.readers)],
            f"Une nouvelle question ({n}) ?",
            published[(n * step) % posts],
        )
        for n in range(NEW_REPLIES)
    )
    await world.settle()
    label = f"steady (+{NEW_REPLIES} replies, {STEADY_LATER.total_seconds() / 3600:g} h later)"
    steady = await measure(label, store, world, delay, full=False, now=first_now + STEADY_LATER)
    stored_steady = _stored(store)
    lines.append(
        f"interactions stored after the first run: {stored_first}; after the steady-state run: "
        f"{stored_steady} (+{stored_steady - stored_first}; {NEW_REPLIES} replies were added)"
    )
    # A network that counts without saying who (reposts on LinkedIn): the numbers kept.
    counted: Counter[str] = Counter()
    for state in store.all():
        for copy in state.copies.values():
            counted.update(copy.counted)
    if counted:
        lines.append(
            "counted on the copies, without who: "
            + ", ".join(f"{counted[kind]} {kind}s" for kind in sorted(counted))
        )
    ok = first.report.ok and steady.report.ok
    return NetworkResult(lines + _table(world.network, first, steady), ok)


def _steady_target(network: str) -> int:
    """The most requests a steady-state run may make on ``network``."""
    return STEADY_TARGETS.get(network, STEADY_TARGET_REQUESTS)


def _table(network: str, first: RunFigures, steady: RunFigures) -> list[str]:
    """The figures beside their targets, then where the requests went."""
    lines = [
        f"{'run':<36} {'requests':>8} {'wall s':>7} {'peer CPU s':>10} {'own CPU s':>9}"
        f" {'threads':>7} {'new':>5}  target"
    ]
    for figures, target, met in (
        (first, f"under {FIRST_RUN_TARGET_SECONDS:g} s", first.seconds < FIRST_RUN_TARGET_SECONDS),
        (
            steady,
            f"at most {_steady_target(network)} requests",
            steady.requests <= _steady_target(network),
        ),
    ):
        tally = figures.report.tallies[network]
        peer = "?" if figures.peer_cpu is None else f"{figures.peer_cpu:.1f}"
        lines.append(
            f"{figures.label:<36} {figures.requests:>8} {figures.seconds:>7.1f} {peer:>10}"
            f" {figures.own_cpu:>9.1f} {tally.refreshed:>7} {tally.new:>5}"
            f"  {target}: {'met' if met else 'MISSED'}"
        )
    for figures in (first, steady):
        lines.append(f"requests of the {figures.label} run, by path:")
        lines += [f"  {count:>6}  {path}" for path, count in sorted(figures.by_path.items())]
        lines += [f"  failure: {failure}" for failure in figures.report.lines()[1:]]
    return lines


# ---------------------------------------------------------------------------------------------
# One network's peer, started and stopped around its benchmark


async def _run_world(
    make: Callable[[httpx.AsyncClient], World], work: Path, args: argparse.Namespace
) -> NetworkResult:
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as direct:
        return await bench(make(direct), work, args.posts, args.delay_ms / 1000)


def run_network(network: str, work: Path, args: argparse.Namespace) -> NetworkResult:
    """Start ``network``'s peer in ``work``, benchmark it, stop it whatever happens."""
    home = work / f"{network}-peer"
    if network == "x":
        try:
            # Seeding a thousand posts as one account is past X's limits: the double lifts them.
            double = x.start(home, free_port(), rate_limits=False)
            pid = read_pid(home / "pid")
            print(f"x: the double of X's API at {double.base_url}", flush=True)
            return asyncio.run(_run_world(lambda c: XWorld(double, c, pid), work, args))
        finally:
            x.stop(home)
    if network == "threads":
        try:
            graph = meta.start(home, free_port())
            pid = read_pid(home / "pid")
            print(f"threads: the double of Threads' API at {graph.threads_url}", flush=True)
            return asyncio.run(_run_world(lambda c: ThreadsWorld(graph, c, pid), work, args))
        finally:
            meta.stop(home)
    if network == "instagram":
        try:
            graph = meta.start(home, free_port())
            pid = read_pid(home / "pid")
            print(f"instagram: the double of Instagram's API at {graph.instagram_url}", flush=True)
            return asyncio.run(_run_world(lambda c: InstagramWorld(graph, c, pid), work, args))
        finally:
            meta.stop(home)
    if network == "facebook":
        try:
            graph = meta.start(home, free_port())
            pid = read_pid(home / "pid")
            print(f"facebook: the double of Meta's Graph API at {graph.base_url}", flush=True)
            return asyncio.run(_run_world(lambda c: FacebookWorld(graph, c, pid), work, args))
        finally:
            meta.stop(home)
    if network == "linkedin":
        try:
            peer = linkedin.start(home, free_port())
            pid = read_pid(home / "pid")
            print(f"linkedin: the double of LinkedIn's API at {peer.base_url}", flush=True)
            return asyncio.run(_run_world(lambda c: LinkedInWorld(peer, c, pid), work, args))
        finally:
            linkedin.stop(home)
    if network == "mastodon":
        try:
            server = mastodon.start(home, free_port())
            pid = read_pid(home / "pid")
            print(f"mastodon: the peer (mastodon-mock) at {server.base_url}", flush=True)
            return asyncio.run(_run_world(lambda c: MastodonWorld(server, c, pid), work, args))
        finally:
            mastodon.stop(home)
    ports = Ports(plc=free_port(), pds=free_port(), appview=free_port(), control=free_port())
    try:
        net = bluesky.start(home, ports)
        pid = read_pid(home / "pid")
        print(f"bluesky: the PDS at {net.pds_url}, the AppView at {net.appview_url}", flush=True)
        return asyncio.run(_run_world(lambda c: BlueskyWorld(net, c, pid), work, args))
    finally:
        bluesky.stop(home)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000, help="syndicated posts (default 1000)")
    parser.add_argument(
        "--delay-ms", type=int, default=50, help="milliseconds added to each request (default 50)"
    )
    parser.add_argument(
        "--networks",
        nargs="+",
        choices=NETWORKS,
        help="default: all; with --copies, mastodon and bluesky",
    )
    parser.add_argument(
        "--copies",
        type=int,
        default=0,
        help="instead of the peers: an archive of this many copies on simulated networks "
        "(issue 20: steady-state seconds and memory, requests per hour over a week)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--hours",
        type=int,
        default=168,
        help="with --copies: the hourly runs simulated after the steady state (default 168; "
        "0: none)",
    )
    args = parser.parse_args(argv)
    if args.posts < NEW_REPLIES or args.delay_ms < 0 or args.copies < 0:
        parser.error(
            f"--posts must be at least {NEW_REPLIES}, --delay-ms and --copies not negative."
        )
    if args.networks is None:
        args.networks = list(SCALE_NETWORKS if args.copies else NETWORKS)
    return args


def main(argv: list[str]) -> int:
    """Run the benchmark; 0 when it ran, 1 when a run or the seeding failed, 2 when a peer
    could not start."""
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="agora-bench-backfeed-"))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Backfeed benchmark in {work}; {os.cpu_count()} CPUs, load average {load}")
    print(f"{args.posts} posts per network, {args.delay_ms} ms added to each request")
    failed = False
    if args.copies:
        try:
            print(f"{args.copies} copies on simulated networks: {', '.join(args.networks)}")
            # Figures beside their targets, printed as they come: a miss is no failure.
            run_scale(work, args.copies, args.networks, args.hours)
            return 0
        finally:
            if args.keep:
                print(f"\nKept {work} (the state files and the index)")
            else:
                shutil.rmtree(work, ignore_errors=True)
    try:
        for network in args.networks:
            result = run_network(network, work, args)
            for line in result.lines:
                print(line)
            failed = failed or not result.ok
    except SandboxError as error:
        print(f"A local peer could not start: {error}", file=sys.stderr)
        return 2
    except httpx.HTTPError as error:
        # Seeding talks to the peer directly; the measured runs report their failures instead.
        print(f"A local peer failed while the benchmark wrote to it: {error}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"\nKept {work} (state files, the peers' logs)")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
