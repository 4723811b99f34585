"""The sandbox's peers behave like the networks: a post, a reader's reply, the thread read back.

Bluesky through the PDS with the ``atproto`` client, as the adapter will; Mastodon over plain HTTP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from atproto import Client, models

from sandbox import BlueskyNetwork, MastodonServer, SandboxError, bluesky


def _login(network: BlueskyNetwork, handle: str) -> Client:
    account = network.account(handle)
    client = Client(base_url=network.pds_url)
    client.login(account.handle, account.app_password)
    return client


@pytest.mark.bluesky
def test_bluesky_reply_reaches_the_thread(bluesky_network: BlueskyNetwork) -> None:
    brand = _login(bluesky_network, "velosboreal.test")
    reader = _login(bluesky_network, "lea.test")

    post = brand.send_post("Nos vélos d'hiver arrivent en boutique.", langs=["fr"])
    parent = models.create_strong_ref(post)
    reply_to = models.AppBskyFeedPost.ReplyRef(parent=parent, root=parent)
    reply = reader.send_post("Quand exactement ?", reply_to=reply_to, langs=["fr"])
    bluesky_network.process()

    thread = brand.app.bsky.feed.get_post_thread({"uri": post.uri}).thread
    assert thread.post.author.handle == "velosboreal.test"
    replies = [(r.post.uri, r.post.author.handle, r.post.record.text) for r in thread.replies]
    assert replies == [(reply.uri, "lea.test", "Quand exactement ?")]


@pytest.mark.bluesky
def test_bluesky_accounts_have_app_passwords(bluesky_network: BlueskyNetwork) -> None:
    handles = {a.handle for a in bluesky_network.accounts}
    assert {"velosboreal.test", "lea.test", "samuel.test", "noor.test", "camille.test"} <= handles
    for account in bluesky_network.accounts:
        assert account.did.startswith("did:plc:")
        assert account.app_password != account.password  # a real app password, not the login one


@pytest.mark.mastodon
def test_mastodon_reply_reaches_the_context(mastodon_server: MastodonServer) -> None:
    def call(username: str, method: str, path: str, headers: Any = None, **kwargs: Any) -> Any:
        auth = {"Authorization": f"Bearer {mastodon_server.tokens[username]}"}
        response = http.request(method, path, headers={**auth, **(headers or {})}, **kwargs)
        response.raise_for_status()
        return response.json()

    with httpx.Client(base_url=mastodon_server.base_url, timeout=10) as http:
        body = {"status": "Nos vélos d'hiver arrivent.", "language": "fr"}
        key = {"Idempotency-Key": "sandbox-test-1"}
        first = call("velosboreal", "POST", "/api/v1/statuses", json=body, headers=key)
        again = call("velosboreal", "POST", "/api/v1/statuses", json=body, headers=key)
        assert again["id"] == first["id"]  # a retry with the same key finds the same status

        reply = call(
            "noor",
            "POST",
            "/api/v1/statuses",
            json={"status": "@velosboreal Et les pneus à clous ?", "in_reply_to_id": first["id"]},
        )
        context = call("velosboreal", "GET", f"/api/v1/statuses/{first['id']}/context")
        assert [(s["id"], s["account"]["username"]) for s in context["descendants"]] == [
            (reply["id"], "noor")
        ]


def test_missing_node_is_one_clear_sentence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Without Node 22 the network does not start, and says how to install it."""
    monkeypatch.setattr(bluesky, "NODE_HOME", tmp_path / "no-node")
    with pytest.raises(SandboxError, match=r"run `make sandbox-deps`"):
        bluesky.start(tmp_path / "home")
    assert not (tmp_path / "home").exists()  # nothing started, nothing left behind
