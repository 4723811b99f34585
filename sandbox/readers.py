"""The sandbox's demo readers speak up: a question on Bluesky, a complaint on Mastodon,
questions on X, LinkedIn and Facebook.

``make demo`` shows the engagement desk with something to answer, so readers comment on a
syndicated post, each through their network's own API (raw XRPC through the PDS; Mastodon's REST
API; X's API v2, signed with OAuth 1.0a, on the local double; LinkedIn's double's control route,
for a member commenting on LinkedIn's own site), exactly as a person's app would. What they said
is remembered in the sandbox's state folder, so a second demo run on the same sandbox does not
repeat them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from sandbox.bluesky import BlueskyNetwork
from sandbox.linkedin import LinkedInServer
from sandbox.mastodon import MastodonServer
from sandbox.meta import MetaServer
from sandbox.processes import SandboxError
from sandbox.x import XServer
from syndication.model import CopyStatus, PostState
from syndication.networks.x.oauth import OAuth1

MARKER = "demo-comments.json"
# The question asks about brakes and the tune-up, so it goes under the post that announces it.
DEMO_POST = "mise-au-point-du-printemps.fr"
TIMEOUT_SECONDS = 30.0
QUESTION = (
    "Bonjour ! Est-ce que la mise au point comprend aussi le réglage des freins à disque ? "
    "Et combien de temps faut-il laisser le vélo en boutique ?"
)
COMPLAINT = (
    "J'ai réservé ma mise au point il y a trois semaines, le vélo n'est toujours pas prêt et "
    "personne ne répond au service client. Franchement déçu."
)
X_QUESTION = (
    "@velosboreal Est-ce que vous faites aussi la mise au point des vélos cargo ? "
    "Le nôtre a une assistance électrique."
)

LINKEDIN_QUESTION = "Livrez-vous aussi les vélos cargo à Québec (pour une entreprise) ?"
FACEBOOK_QUESTION = "Est-ce qu'on peut prendre rendez-vous en ligne pour la mise au point ?"
THREADS_QUESTION = "La mise au point printanière vaut-elle aussi pour un vélo pliant ?"
INSTAGRAM_QUESTION = "Vous faites aussi la mise au point des vélos à assistance électrique ?"


@dataclass(frozen=True)
class DemoComment:
    """One comment a demo reader left: where, by whom, what."""

    network: str
    author: str
    post: str
    url: str
    text: str


def _bluesky_reply(network: BlueskyNetwork, handle: str, parent_uri: str, text: str) -> str:
    """Reply to the post ``parent_uri`` as the demo account ``handle``; the reply's at-uri."""
    account = network.account(handle)
    with httpx.Client(base_url=network.pds_url, timeout=TIMEOUT_SECONDS) as http:
        session = http.post(
            "/xrpc/com.atproto.server.createSession",
            json={"identifier": account.handle, "password": account.app_password},
        )
        session.raise_for_status()
        auth = {"Authorization": f"Bearer {session.json()['accessJwt']}"}
        found = http.get(
            "/xrpc/app.bsky.feed.getPosts", params={"uris": [parent_uri]}, headers=auth
        )
        found.raise_for_status()
        posts = found.json().get("posts") or []
        if not posts:
            raise SandboxError(f"the Bluesky copy {parent_uri} is not indexed yet")
        ref = {"uri": posts[0]["uri"], "cid": posts[0]["cid"]}
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": datetime.now(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "langs": ["fr"],
            "reply": {"root": ref, "parent": ref},
        }
        created = http.post(
            "/xrpc/com.atproto.repo.createRecord",
            json={
                "repo": session.json()["did"],
                "collection": "app.bsky.feed.post",
                "record": record,
            },
            headers=auth,
        )
        created.raise_for_status()
    network.process()  # the AppView indexes it now, so the backfeed right after sees it
    return str(created.json()["uri"])


def _mastodon_reply(server: MastodonServer, username: str, status_id: str, text: str) -> str:
    """Reply publicly to the status ``status_id`` as the demo account ``username``; its URL."""
    with httpx.Client(base_url=server.base_url, timeout=TIMEOUT_SECONDS) as http:
        answer = http.post(
            "/api/v1/statuses",
            json={
                "status": f"@{server.brand.username} {text}",
                "in_reply_to_id": status_id,
                "visibility": "public",
                "language": "fr",
            },
            headers={"Authorization": f"Bearer {server.tokens[username]}"},
        )
        answer.raise_for_status()
        body = answer.json()
    return str(body.get("url") or body["id"])


def _x_reply(server: XServer, username: str, post_id: str, text: str) -> str:
    """Reply to the post ``post_id`` as the demo account ``username``; the reply's address."""
    account = server.account(username)
    auth = OAuth1(
        server.consumer_key,
        server.consumer_secret,
        account.access_token,
        account.access_token_secret,
    )
    answer = httpx.post(
        f"{server.base_url}/2/tweets",
        json={"text": text, "reply": {"in_reply_to_tweet_id": post_id}},
        auth=auth,
        timeout=TIMEOUT_SECONDS,
    )
    answer.raise_for_status()
    return f"https://x.com/{username}/status/{answer.json()['data']['id']}"


def _target(states: list[PostState]) -> PostState | None:
    """The post the demo comments are about (the spring tune-up), else the first one on both."""
    both = [
        state
        for state in sorted(states, key=lambda state: state.key)
        if all(
            state.copies.get(name) is not None and state.copies[name].status is CopyStatus.PUBLISHED
            for name in ("bluesky", "mastodon")
        )
    ]
    chosen = [state for state in both if state.key == DEMO_POST] or both
    return chosen[0] if chosen else None


def leave_comments(
    bluesky: BlueskyNetwork,
    mastodon: MastodonServer,
    states: list[PostState],
    folder: Path,
    *,
    x: XServer | None = None,
    linkedin: LinkedInServer | None = None,
    meta: MetaServer | None = None,
) -> list[DemoComment]:
    """Léa asks a question on Bluesky, Samuel complains on Mastodon, Noor asks on X and Samuel on
    LinkedIn (when the post went there too); once per sandbox."""
    marker = folder / MARKER
    if marker.exists():
        return [DemoComment(**item) for item in json.loads(marker.read_text(encoding="utf-8"))]
    state = _target(states)
    if state is None:
        return []
    left = [
        DemoComment(
            "bluesky",
            "lea.test",
            state.key,
            _bluesky_reply(bluesky, "lea.test", state.copies["bluesky"].id, QUESTION),
            QUESTION,
        ),
        DemoComment(
            "mastodon",
            "@samuel",
            state.key,
            _mastodon_reply(mastodon, "samuel", state.copies["mastodon"].id, COMPLAINT),
            COMPLAINT,
        ),
    ]
    copy = state.copies.get("x")
    if x is not None and copy is not None and copy.status is CopyStatus.PUBLISHED:
        url = _x_reply(x, "noor", copy.id, X_QUESTION)
        left.append(DemoComment("x", "@noor", state.key, url, X_QUESTION))
    page = state.copies.get("linkedin")
    if linkedin is not None and page is not None and page.status is CopyStatus.PUBLISHED:
        # A member comments on LinkedIn's own site: the double's control route stands for it.
        urn = linkedin.comment("samuel", page.id, LINKEDIN_QUESTION)
        url = f"https://www.linkedin.com/feed/update/{page.id}/?commentUrn={urn}"
        left.append(DemoComment("linkedin", "Samuel Okafor", state.key, url, LINKEDIN_QUESTION))
    wall = state.copies.get("facebook")
    if meta is not None and wall is not None and wall.status is CopyStatus.PUBLISHED:
        # A reader comments on Facebook's own site: the double's control route stands for it.
        comment = meta.comment("lea", wall.id, FACEBOOK_QUESTION)
        url = f"{wall.url}?comment_id={comment}"
        left.append(DemoComment("facebook", "Léa Gagnon", state.key, url, FACEBOOK_QUESTION))
    thread = state.copies.get("threads")
    if meta is not None and thread is not None and thread.status is CopyStatus.PUBLISHED:
        # A reader replies in Threads' own app: the double's control route stands for it.
        meta.threads_reply("noor", thread.id, THREADS_QUESTION)
        left.append(DemoComment("threads", "@noor", state.key, thread.url, THREADS_QUESTION))
    photo = state.copies.get("instagram")
    if meta is not None and photo is not None and photo.status is CopyStatus.PUBLISHED:
        # A reader comments in Instagram's own app: the double's control route stands for it.
        meta.instagram_comment("samuel", photo.id, INSTAGRAM_QUESTION)
        left.append(DemoComment("instagram", "@samuel", state.key, photo.url, INSTAGRAM_QUESTION))
    folder.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps([c.__dict__ for c in left], indent=2) + "\n", encoding="utf-8")
    return left
