"""The other people on the local network: readers who reply, like, repost, quote, hide, opt out.

They play with raw XRPC through the PDS (``httpx``, synchronous), independent of the adapter
under test, so a bug in the adapter cannot hide itself. One password login per account per
session (each costs the PDS a scrypt).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

Ref = dict[str, str]


def now() -> str:
    """``createdAt`` as Bluesky's clients write it."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Player:
    """One account on the PDS, logged in once."""

    pds_url: str
    handle: str
    password: str
    did: str = ""
    _token: str = field(default="", repr=False)

    def _headers(self) -> dict[str, str]:
        if not self._token:
            answer = httpx.post(
                f"{self.pds_url}/xrpc/com.atproto.server.createSession",
                json={"identifier": self.handle, "password": self.password},
                timeout=30,
            )
            answer.raise_for_status()
            self._token, self.did = answer.json()["accessJwt"], answer.json()["did"]
        return {"Authorization": f"Bearer {self._token}"}

    def call(self, method: str, nsid: str, **kwargs: Any) -> dict[str, Any]:
        """One XRPC call as this account; raises on an error answer."""
        answer = httpx.request(
            method, f"{self.pds_url}/xrpc/{nsid}", headers=self._headers(), timeout=30, **kwargs
        )
        if answer.status_code >= 400:
            raise AssertionError(f"{nsid} as {self.handle}: {answer.status_code} {answer.text}")
        return dict(answer.json()) if answer.content else {}

    def create(self, collection: str, record: dict[str, Any], rkey: str = "") -> Ref:
        """A record in this account's repository; its strong ref."""
        self._headers()
        body: dict[str, Any] = {"repo": self.did, "collection": collection, "record": record}
        if rkey:
            body["rkey"] = rkey
        created = self.call("POST", "com.atproto.repo.createRecord", json=body)
        return {"uri": created["uri"], "cid": created["cid"]}

    def post(
        self,
        text: str,
        *,
        reply_to: Ref | None = None,
        root: Ref | None = None,
        quote: Ref | None = None,
        langs: tuple[str, ...] = ("fr",),
    ) -> Ref:
        """A post; a reply when ``reply_to`` is given (``root`` defaults to it), a quote."""
        record: dict[str, Any] = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": now(),
            "langs": list(langs),
        }
        if reply_to:
            record["reply"] = {"root": root or reply_to, "parent": reply_to}
        if quote:
            record["embed"] = {"$type": "app.bsky.embed.record", "record": quote}
        return self.create("app.bsky.feed.post", record)

    def like(self, subject: Ref) -> Ref:
        """Like ``subject``."""
        return self.create(
            "app.bsky.feed.like",
            {"$type": "app.bsky.feed.like", "subject": subject, "createdAt": now()},
        )

    def repost(self, subject: Ref) -> Ref:
        """Repost ``subject``."""
        return self.create(
            "app.bsky.feed.repost",
            {"$type": "app.bsky.feed.repost", "subject": subject, "createdAt": now()},
        )

    def delete(self, uri: str) -> None:
        """Delete one of this account's records by its at-uri."""
        self._headers()
        _, _, rest = uri.partition("at://")
        repo, collection, rkey = rest.split("/")
        self.call(
            "POST",
            "com.atproto.repo.deleteRecord",
            json={"repo": repo, "collection": collection, "rkey": rkey},
        )

    def hide_replies(self, post_uri: str, hidden: list[str]) -> None:
        """A threadgate on one of this account's posts that hides ``hidden`` replies."""
        rkey = post_uri.rsplit("/", 1)[1]
        self.create(
            "app.bsky.feed.threadgate",
            {
                "$type": "app.bsky.feed.threadgate",
                "post": post_uri,
                "createdAt": now(),
                "hiddenReplies": hidden,
            },
            rkey=rkey,
        )

    def opt_out_of_logged_out_view(self) -> None:
        """Self-label the profile ``!no-unauthenticated`` (Bluesky's "logged-out visibility")."""
        self._headers()
        profile = self.call(
            "GET",
            "com.atproto.repo.getRecord",
            params={"repo": self.did, "collection": "app.bsky.actor.profile", "rkey": "self"},
        )["value"]
        profile["labels"] = {
            "$type": "com.atproto.label.defs#selfLabels",
            "values": [{"val": "!no-unauthenticated"}],
        }
        self.call(
            "POST",
            "com.atproto.repo.putRecord",
            json={
                "repo": self.did,
                "collection": "app.bsky.actor.profile",
                "rkey": "self",
                "record": profile,
            },
        )

    def record(self, uri: str) -> dict[str, Any]:
        """A record read back from the PDS (``getRecord``)."""
        _, _, rest = uri.partition("at://")
        repo, collection, rkey = rest.split("/")
        return self.call(
            "GET",
            "com.atproto.repo.getRecord",
            params={"repo": repo, "collection": collection, "rkey": rkey},
        )


def new_player(pds_url: str, name: str) -> Player:
    """A fresh account (``<name>-<random>.test``), for changes no other test should see."""
    handle = f"{name}-{secrets.token_hex(3)}.test"
    password = secrets.token_hex(12)
    answer = httpx.post(
        f"{pds_url}/xrpc/com.atproto.server.createAccount",
        json={"handle": handle, "password": password, "email": f"{handle}@example.test"},
        timeout=30,
    )
    answer.raise_for_status()
    player = Player(pds_url, handle, password, did=answer.json()["did"])
    player._token = answer.json()["accessJwt"]
    player.call(
        "POST",
        "com.atproto.repo.putRecord",
        json={
            "repo": player.did,
            "collection": "app.bsky.actor.profile",
            "rkey": "self",
            "record": {"$type": "app.bsky.actor.profile", "displayName": name.title()},
        },
    )
    return player
