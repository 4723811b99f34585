"""Exactly once, proven with the real adapters against the real local peers.

Bluesky's own PDS and AppView (``bluesky_network``), the Mastodon peer (``mastodon_server``) and
the X double (``x_server``) hold the brand accounts. Each test builds and serves its own site on
a fresh loopback port, so the post's URL is unique to the test and the brand's copies of it can
be counted on each network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from syndicate_support import (
    Site,
    bluesky_copies,
    bluesky_feed_copies,
    mastodon_copies,
    peers_env,
    post_file,
    run_engine,
    x_copies,
)

from sandbox.bluesky import BlueskyNetwork
from sandbox.linkedin import LinkedInServer
from sandbox.mastodon import MastodonServer
from sandbox.meta import MetaServer
from sandbox.x import XServer
from syndication.cli.syndicate import summary_lines
from syndication.model import CopyStatus
from syndication.publish.syndicate import AFTER_PROGRESS, CHECKPOINTS, Action, Checkpoint
from syndication.store.state import StateStore

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
pytestmark = [pytest.mark.bluesky, pytest.mark.mastodon]
NETWORKS = ("bluesky", "mastodon", "x", "linkedin", "facebook", "threads", "instagram")
TITLE = "Rouler l'hiver sans y laisser sa chaîne"  # ``post_file``'s: Instagram's copy names it
ONE_EACH = (1,) * len(NETWORKS)


class Crash(BaseException):
    """Not an Exception: nothing in the engine may catch it, like a real stop."""


def live_post(site: Site) -> str:
    """One post with an image, built and served; its URL."""
    image = site.add_image("hiver.jpg")
    site.add_post(
        "hiver.md",
        post_file("rouler-l-hiver", extra={"Image": image, "Image_alt": "Une chaîne salée."}),
    )
    site.build()
    return f"{site.url}/rouler-l-hiver/"


def copies(bluesky: BlueskyNetwork, mastodon: MastodonServer, url: str) -> tuple[int, int]:
    return len(bluesky_copies(bluesky, url)), len(mastodon_copies(mastodon, url))


def crash_at(step: str, error: BaseException) -> Checkpoint:
    def checkpoint(reached: str) -> None:
        if reached == step:
            raise error

    return checkpoint


def hard_crash(site: Site, env: dict[str, str], step: str) -> None:
    """Run the engine in a child process that dies with ``os._exit`` at ``step``."""
    done = subprocess.run(
        [sys.executable, str(HERE / "crash_run.py"), str(site.settings_file), step],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 75, done.stderr[-2000:]


def only(env: dict[str, str], network: str) -> dict[str, str]:
    prefix = f"AGORA_{network.upper()}_"
    return {name: value for name, value in env.items() if name.startswith(prefix)}


@dataclass(frozen=True)
class Peers:
    """Every network's local peer, and how many copies of a page each holds."""

    bluesky: BlueskyNetwork
    mastodon: MastodonServer
    x: XServer
    linkedin: LinkedInServer
    meta: MetaServer

    @property
    def env(self) -> dict[str, str]:
        peers = peers_env(self.bluesky, self.mastodon, self.x, self.linkedin)
        meta = {**self.meta.env(), **self.meta.threads_env(), **self.meta.instagram_env()}
        return {**peers, **meta}

    def copies(self, url: str) -> tuple[int, ...]:
        return (
            *copies(self.bluesky, self.mastodon, url),
            len(x_copies(self.x, url)),
            len(self.linkedin.posts_linking_to(url)),
            self.meta.count_posts_linking_to(url),
            self.meta.count_threads_posts_linking_to(url),
            self.meta.count_instagram_posts_naming(TITLE),
        )


@pytest.fixture
def peers(
    bluesky_network: BlueskyNetwork,
    mastodon_server: MastodonServer,
    x_server: XServer,
    linkedin_server: LinkedInServer,
    meta_server: MetaServer,
) -> Peers:
    # Every test publishes the same sample post, and Instagram's copy is known by its title, not
    # by the site's address: each test gets an account with no media yet.
    meta_server.instagram_forget()
    return Peers(bluesky_network, mastodon_server, x_server, linkedin_server, meta_server)


@pytest.mark.x
@pytest.mark.linkedin
@pytest.mark.meta
@pytest.mark.parametrize("how", ["raise", "kill"])
@pytest.mark.parametrize("step", CHECKPOINTS)
def test_a_crash_at_each_step_then_a_rerun_leaves_exactly_one_copy(
    site: Site, peers: Peers, step: str, how: str
) -> None:
    bluesky_network = peers.bluesky
    url = live_post(site)
    env = peers.env
    store = StateStore(site.state)

    # Stop the run at ``step`` once on each network (the first publication of a run is the one
    # that stops it, so each network gets its own crashed run).
    for network in NETWORKS:
        if how == "kill":
            hard_crash(site, only(env, network), step)
        else:
            error = SystemExit(3) if network == "bluesky" else KeyboardInterrupt()
            with pytest.raises(type(error)):
                run_engine(site, only(env, network), checkpoint=crash_at(step, error))
        copy = store.load("rouler-l-hiver.fr").copies[network]
        expected = CopyStatus.PUBLISHED if step == "after-record" else CopyStatus.PENDING
        assert copy.status is expected and copy.key
    after_crash = peers.copies(url)
    assert after_crash == ((0,) * len(NETWORKS) if step == "before-call" else ONE_EACH)

    report = run_engine(site, env)

    assert report.exit_code == 0, [o.message for o in report.failed]
    assert peers.copies(url) == ONE_EACH
    state = store.load("rouler-l-hiver.fr")
    for network in NETWORKS:
        copy = state.copies[network]
        assert copy.status is CopyStatus.PUBLISHED and copy.id and copy.url and copy.published_at
    actions = {o.network: o.action for o in report.outcomes}
    wanted = {
        "before-call": Action.POSTED,  # not on the network: published again under the same key
        "after-call": Action.RECONCILED,  # on the network, not recorded: found, not re-posted
        "after-record": Action.ALREADY,
    }[step]
    assert actions == dict.fromkeys(NETWORKS, wanted)
    # The Bluesky record key is the one chosen when the intent was recorded.
    assert state.copies["bluesky"].id.endswith(f"/app.bsky.feed.post/{state.copies['bluesky'].key}")

    # And again: nothing more.
    assert run_engine(site, env).count("bluesky", Action.ALREADY) == 1
    assert peers.copies(url) == ONE_EACH
    if step == "after-call" and how == "kill":
        assert bluesky_feed_copies(bluesky_network, url) == 1  # as the AppView shows the feed


# Meta's two-step networks: the request that makes a media container, the one that publishes it.
CONTAINER_CALLS = {
    "instagram": ("POST /user/media", "POST /user/media_publish"),
    "threads": ("POST /user/threads", "POST /user/threads_publish"),
}


def container_calls(meta: MetaServer, network: str) -> tuple[int, int]:
    """How many containers ``network``'s double was asked to make, and to publish."""
    calls = meta.instagram_requests() if network == "instagram" else meta.threads_requests()
    made, published = CONTAINER_CALLS[network]
    return calls.get(made, 0), calls.get(published, 0)


def meta_copies(meta: MetaServer, network: str, url: str) -> int:
    if network == "instagram":
        return meta.count_instagram_posts_naming(TITLE)
    return meta.count_threads_posts_linking_to(url)


def crash_once_the_container_is_made(
    site: Site, meta: MetaServer, network: str, how: str
) -> tuple[str, str]:
    """Run ``network`` alone and stop it once its container is noted; the post's URL and the
    container's id as the pending intent holds it."""
    meta.instagram_forget()
    url = live_post(site)
    env = only({**meta.threads_env(), **meta.instagram_env()}, network)
    meta.reset_instagram_requests()
    meta.reset_threads_requests()
    if how == "kill":
        hard_crash(site, env, AFTER_PROGRESS)
    else:
        with pytest.raises(KeyboardInterrupt):
            run_engine(site, env, checkpoint=crash_at(AFTER_PROGRESS, KeyboardInterrupt()))
    copy = StateStore(site.state).load("rouler-l-hiver.fr").copies[network]
    assert copy.status is CopyStatus.PENDING
    container = copy.extra["container"]
    assert container.isdigit() and set(copy.extra) == {"container"}  # ids only, no secret
    assert container_calls(meta, network) == (1, 0)
    assert meta_copies(meta, network, url) == 0
    return url, container


@pytest.mark.meta
@pytest.mark.parametrize("how", ["raise", "kill"])
@pytest.mark.parametrize("network", sorted(CONTAINER_CALLS))
def test_a_crash_once_the_container_is_made_publishes_that_container_next_run(
    site: Site, meta_server: MetaServer, network: str, how: str
) -> None:
    url, _container = crash_once_the_container_is_made(site, meta_server, network, how)
    env = only({**meta_server.threads_env(), **meta_server.instagram_env()}, network)

    report = run_engine(site, env)

    assert report.exit_code == 0, [o.message for o in report.failed]
    assert [o.action for o in report.outcomes] == [Action.POSTED]
    assert meta_copies(meta_server, network, url) == 1
    assert container_calls(meta_server, network) == (1, 1)  # no second container
    copy = StateStore(site.state).load("rouler-l-hiver.fr").copies[network]
    assert copy.status is CopyStatus.PUBLISHED and "container" not in copy.extra

    assert run_engine(site, env).outcomes[0].action is Action.ALREADY
    assert meta_copies(meta_server, network, url) == 1


@pytest.mark.meta
@pytest.mark.parametrize("network", sorted(CONTAINER_CALLS))
def test_a_container_left_to_expire_by_a_crash_is_made_again_once(
    site: Site, meta_server: MetaServer, network: str
) -> None:
    url, container = crash_once_the_container_is_made(site, meta_server, network, "raise")
    if network == "instagram":
        meta_server.instagram_container_status(container, "EXPIRED")
    else:
        meta_server.threads_container_status(container, "EXPIRED")
    env = only({**meta_server.threads_env(), **meta_server.instagram_env()}, network)

    report = run_engine(site, env)

    assert report.exit_code == 0, [o.message for o in report.failed]
    assert meta_copies(meta_server, network, url) == 1
    assert container_calls(meta_server, network) == (2, 1)


@pytest.mark.x
@pytest.mark.linkedin
@pytest.mark.meta
def test_a_state_that_never_reached_the_repository_does_not_post_twice(
    site: Site, peers: Peers
) -> None:
    """CI posted, then its state commit failed to push: the next run starts with no state."""
    url = live_post(site)
    env = peers.env
    first = run_engine(site, env)
    assert first.exit_code == 0 and peers.copies(url) == ONE_EACH
    posted = StateStore(site.state).load("rouler-l-hiver.fr").copies
    shutil.rmtree(site.state)  # a fresh checkout of a repository that never got the commit

    report = run_engine(site, env)

    assert report.exit_code == 0, [o.message for o in report.failed]
    assert {o.network: o.action for o in report.outcomes} == dict.fromkeys(
        NETWORKS, Action.RECONCILED
    )
    # The summary says so: found and recorded, not posted.
    for line in summary_lines(report):
        assert ": 0 posted, 1 found already posted, 0 pending, 0 failed" in line, line
    assert peers.copies(url) == ONE_EACH
    found = StateStore(site.state).load("rouler-l-hiver.fr").copies
    for network in NETWORKS:
        assert found[network].status is CopyStatus.PUBLISHED
        assert (found[network].id, found[network].url) == (posted[network].id, posted[network].url)


def test_two_runs_started_together_post_once(
    site: Site, bluesky_network: BlueskyNetwork, mastodon_server: MastodonServer
) -> None:
    url = live_post(site)
    env = {**os.environ, **peers_env(bluesky_network, mastodon_server)}
    command = [
        sys.executable,
        "-m",
        "syndication.cli.syndicate",
        "--settings",
        str(site.settings_file),
    ]
    runs = [
        subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    assert copies(bluesky_network, mastodon_server, url) == (1, 1)
    joined = "\n".join(outputs)
    assert joined.count("rouler-l-hiver.fr -> Bluesky: posted") == 1
    assert joined.count("rouler-l-hiver.fr -> Mastodon: posted") == 1
    assert "Bluesky: 0 posted" in joined and "Bluesky: 1 posted" in joined


def test_refused_credentials_on_one_network_do_not_stop_the_other(
    site: Site, bluesky_network: BlueskyNetwork, mastodon_server: MastodonServer
) -> None:
    url = live_post(site)
    good = peers_env(bluesky_network, mastodon_server)
    wrong = {**good, "AGORA_BLUESKY_APP_PASSWORD": "not-the-app-password-123"}

    report = run_engine(site, wrong)

    assert report.exit_code == 1
    [failure] = report.failed
    assert failure.network == "bluesky"
    assert failure.message.startswith(
        f"Bluesky at {bluesky_network.pds_url.split('//')[1]} refused the credentials of "
        f"{bluesky_network.brand.handle} (401"
    )
    assert failure.message.endswith("check AGORA_BLUESKY_APP_PASSWORD.")
    assert copies(bluesky_network, mastodon_server, url) == (0, 1)
    assert {o.network: o.action for o in report.outcomes}["mastodon"] is Action.POSTED

    # Nothing in the state carries a credential, the wrong one included.
    state_text = "".join(p.read_text() for p in site.state.rglob("*.json"))
    assert json.loads(state_text)["copies"]["mastodon"]["status"] == "published"
    for secret in (
        wrong["AGORA_BLUESKY_APP_PASSWORD"],
        good["AGORA_BLUESKY_APP_PASSWORD"],
        good["AGORA_MASTODON_ACCESS_TOKEN"],
    ):
        assert secret not in state_text

    # Nothing was lost: with the right password the next run posts it, once.
    report = run_engine(site, good)
    assert report.exit_code == 0
    assert copies(bluesky_network, mastodon_server, url) == (1, 1)


def test_the_kill_switch_stops_everything_before_any_call(
    site: Site, bluesky_network: BlueskyNetwork, mastodon_server: MastodonServer
) -> None:
    url = live_post(site)
    env = {**peers_env(bluesky_network, mastodon_server), "AGORA_PAUSE_POSTING": "crise en cours"}

    report = run_engine(site, env)

    assert report.paused == "AGORA_PAUSE_POSTING is set (crise en cours)"
    assert {o.action for o in report.outcomes} == {Action.PAUSED}
    assert copies(bluesky_network, mastodon_server, url) == (0, 0)
    assert not site.state.exists()  # not even the lock

    site.state.mkdir(parents=True)
    (site.state / "PAUSED").write_text("Crise : on se tait.\n")
    report = run_engine(site, peers_env(bluesky_network, mastodon_server))
    assert report.paused.endswith("PAUSED exists (Crise : on se tait.)")
    assert copies(bluesky_network, mastodon_server, url) == (0, 0)


def test_an_author_with_her_own_account_posts_from_it_unsigned(
    site: Site, bluesky_network: BlueskyNetwork
) -> None:
    site.add_post("camille.md", post_file("la-parole-a-camille", author="Camille Tremblay"))
    site.build()
    url = f"{site.url}/la-parole-a-camille/"
    camille = bluesky_network.account("camille")
    env = {
        **peers_env(bluesky_network, None),
        "AGORA_BLUESKY_APP_PASSWORD_CAMILLE_TREMBLAY": camille.app_password,
    }

    report = run_engine(site, env)

    assert report.exit_code == 0
    copy = StateStore(site.state).load("la-parole-a-camille.fr").copies["bluesky"]
    assert copy.account == "camille.test" and copy.id.startswith(f"at://{camille.did}/")
    assert bluesky_copies(bluesky_network, url) == []  # nothing from the brand account
    [outcome] = report.outcomes
    assert outcome.draft is not None and "— Camille" not in outcome.draft.text
    assert outcome.draft.account == "camille.test"
