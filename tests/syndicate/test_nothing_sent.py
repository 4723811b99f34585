"""A failure before the post could reach the network leaves every state file byte for byte.

``invoke syndicate`` (``syndication.cli.syndicate.run``) runs against the real local peers with a
wrong token (Mastodon), a wrong app password (Bluesky's own PDS refuses ``createSession``), a
server nobody listens on (an unused loopback port), a name that cannot resolve (``.invalid``,
reserved for that by RFC 2606) and a service that is not a PDS (the site's own server). Each time
the state folder hashes the same before and after, the command exits non-zero, and the failure is
one line. The engine with the real Mastodon adapter also loses its connection between recording
the intent and the call that posts: the state file is put back exactly, in its own formatting.
And a 5xx after the post was sent keeps the pending intent, so the next run reconciles and the
network holds one copy.
"""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime

import httpx
import pytest
from syndicate_support import (
    Site,
    mastodon_copies,
    peers_env,
    post_file,
    run_engine,
    tree_digest,
)

from sandbox.bluesky import BlueskyNetwork
from sandbox.mastodon import MastodonServer
from sandbox.processes import free_port
from syndication.cli.syndicate import run
from syndication.model import Copy, CopyStatus, PostState
from syndication.publish.syndicate import Action
from syndication.store.state import StateStore

KEY = "rouler-l-hiver.fr"


def live_post(site: Site) -> str:
    """One post, built and served; its URL."""
    site.add_post("hiver.md", post_file("rouler-l-hiver"))
    site.build()
    return f"{site.url}/rouler-l-hiver/"


def earlier_state(site: Site, network: str = "bluesky") -> None:
    """State already in the repository, written by hand in a formatting the store does not use
    (4 spaces, keys unsorted): a rewrite, however faithful to the data, would change its bytes.
    The post already has a copy on ``network`` (another than the one a test syndicates to)."""
    other = PostState(key="autre-billet.fr")
    other.copies["bluesky"] = Copy(
        "bluesky",
        CopyStatus.PUBLISHED,
        "3kautre",
        datetime(2025, 10, 2, 8, 59, tzinfo=UTC),
        id="at://did:plc:brand/app.bsky.feed.post/3kautre",
        url="https://bsky.app/profile/brand/post/3kautre",
        published_at=datetime(2025, 10, 2, 9, 0, tzinfo=UTC),
    )
    mine = PostState(key=KEY)
    mine.copies[network] = Copy(
        network,
        CopyStatus.PUBLISHED,
        "3kmine",
        datetime(2025, 11, 12, 9, 4, tzinfo=UTC),
        id="at://did:plc:brand/app.bsky.feed.post/3kmine",
        url="https://bsky.app/profile/brand/post/3kmine",
        published_at=datetime(2025, 11, 12, 9, 5, tzinfo=UTC),
    )
    posts = site.state / "posts"
    posts.mkdir(parents=True, exist_ok=True)
    for state in (other, mine):
        data = dict(reversed(list(state.to_dict().items())))
        (posts / f"{state.key}.json").write_text(json.dumps(data, indent=4), encoding="utf-8")


def state_files(site: Site) -> dict[str, str]:
    """A hash of every file of the state folder, but the lock file the run takes (git ignores
    it: ``.gitignore``)."""
    return {name: digest for name, digest in tree_digest(site.state).items() if name != ".lock"}


def syndicate(site: Site, env: dict[str, str]) -> tuple[int, str]:
    """``invoke syndicate`` with ``env``: its exit code and what it printed."""
    out = io.StringIO()
    code = run(site.settings_file, env=env, stdout=out)
    return code, out.getvalue()


def failure_line(output: str) -> str:
    """The one failure line of a report (there must be exactly one)."""
    failed = [line for line in output.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1, output
    return failed[0]


def assert_untouched(site: Site, env: dict[str, str], expected: str) -> str:
    """Run ``invoke syndicate``; the state's bytes are unchanged, the exit code is 1 and the
    failure is one line saying ``expected``. The failure line."""
    before = state_files(site)
    code, output = syndicate(site, env)
    assert code == 1, output
    assert state_files(site) == before, output
    line = failure_line(output)
    assert expected in line, line
    return line


def mastodon_env(server: MastodonServer, **changes: str) -> dict[str, str]:
    return peers_env(None, server) | changes


def bluesky_env(network: BlueskyNetwork, **changes: str) -> dict[str, str]:
    env = peers_env(network, None) | changes
    env.pop("AGORA_BLUESKY_APPVIEW")
    return env


@pytest.mark.mastodon
def test_a_refused_token_writes_nothing(site: Site, mastodon_server: MastodonServer) -> None:
    live_post(site)
    earlier_state(site)
    env = mastodon_env(mastodon_server, AGORA_MASTODON_ACCESS_TOKEN="not-the-brand-token")
    line = assert_untouched(site, env, "AGORA_MASTODON_ACCESS_TOKEN")
    assert "refused the credentials" in line


@pytest.mark.mastodon
def test_an_unreachable_or_unknown_server_writes_nothing(
    site: Site, mastodon_server: MastodonServer
) -> None:
    live_post(site)
    earlier_state(site)
    nobody = f"http://127.0.0.1:{free_port()}"
    assert_untouched(site, mastodon_env(mastodon_server, AGORA_MASTODON_BASE_URL=nobody), "")
    unknown = "http://mastodon.agora.invalid"
    assert_untouched(site, mastodon_env(mastodon_server, AGORA_MASTODON_BASE_URL=unknown), "")


@pytest.mark.bluesky
def test_a_refused_login_or_a_service_that_is_no_pds_writes_nothing(
    site: Site, bluesky_network: BlueskyNetwork
) -> None:
    live_post(site)
    # No state at all yet: not even the folder of the posts' files may appear.
    wrong = bluesky_env(bluesky_network, AGORA_BLUESKY_APP_PASSWORD="wrong-password-1234")
    line = assert_untouched(site, wrong, "AGORA_BLUESKY_APP_PASSWORD")
    assert "refused the credentials" in line
    assert not (site.state / "posts").exists()
    earlier_state(site, "mastodon")
    for service in (
        f"http://127.0.0.1:{free_port()}",  # nobody listens
        "http://pds.agora.invalid",  # no such name
        site.url,  # a web server, not a PDS
    ):
        assert_untouched(site, bluesky_env(bluesky_network, AGORA_BLUESKY_SERVICE=service), "")


class Relay:
    """A loopback TCP relay to a peer, which ``cut`` closes: new connections are refused and
    open ones dropped, as when a network goes away between two calls."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # cut
            upstream = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Refuse every new connection from now on and drop the open ones."""
        # Shut down first: closing alone leaves a thread blocked in accept() listening on Linux.
        with suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        with self.lock:
            for end in self.open:
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()


@contextmanager
def relay_to(base_url: str) -> Iterator[Relay]:
    relay = Relay(int(httpx.URL(base_url).port or 80))
    try:
        yield relay
    finally:
        relay.cut()


@pytest.mark.mastodon
def test_a_network_gone_before_the_call_that_posts_leaves_the_file_as_it_was(
    site: Site, mastodon_server: MastodonServer
) -> None:
    url = live_post(site)
    earlier_state(site)
    store = StateStore(site.state)
    with relay_to(mastodon_server.base_url) as relay:
        env = mastodon_env(
            mastodon_server, AGORA_MASTODON_BASE_URL=f"http://127.0.0.1:{relay.port}"
        )
        before = state_files(site)
        seen: list[str] = []

        def checkpoint(step: str) -> None:
            if step == "before-call":
                # The network was read and the intent recorded: the network goes away now.
                seen.append(store.load(KEY).copies["mastodon"].status.value)
                relay.cut()

        report = run_engine(site, env, checkpoint=checkpoint)

    assert seen == ["pending"]  # the intent was on disk before the call
    assert report.count("mastodon", Action.FAILED) == 1
    assert report.exit_code == 1
    assert report.writes == 0  # nothing for the pipeline to commit or rebuild
    assert state_files(site) == before
    assert mastodon_copies(mastodon_server, url) == []


@pytest.mark.mastodon
def test_a_5xx_after_sending_keeps_the_intent_and_the_next_run_posts_once(
    site: Site, mastodon_server: MastodonServer
) -> None:
    url = live_post(site)
    env = mastodon_env(mastodon_server)
    peer = httpx.Client(base_url=mastodon_server.base_url, timeout=30)
    rule = {
        "match": {"path": "/api/v1/statuses"},
        "effect": {"type": "status", "status": 500},
        "count": 8,  # more than the adapter's attempts
    }
    peer.post("/api/v1/_mock/faults", json=rule).raise_for_status()
    try:
        code, output = syndicate(site, env)
    finally:
        peer.delete("/api/v1/_mock/faults").raise_for_status()
        peer.close()

    assert code == 1, output
    assert "500" in failure_line(output)
    pending = StateStore(site.state).load(KEY).copies["mastodon"]
    assert pending.status is CopyStatus.PENDING  # the server may have it: the intent stays

    code, output = syndicate(site, env)

    assert code == 0, output
    copy = StateStore(site.state).load(KEY).copies["mastodon"]
    assert copy.status is CopyStatus.PUBLISHED and copy.key == pending.key
    assert len(mastodon_copies(mastodon_server, url)) == 1
