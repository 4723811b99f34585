"""The publish and refresh pipelines, end to end with real parts.

A bare git repository is the remote; the project's settings, theme, plugin and sample content are
pushed to it, and a post is pushed on top. The pipeline runs in a clone of it, as the workflow
does: it builds with the production settings, deploys to a folder served on loopback (the site's
address), syndicates to the real local Bluesky network and Mastodon peer, commits the state back
and pushes it to the remote, then rebuilds and deploys with the syndication links.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import mf2py
import pytest
from pipeline_support import (
    BLOG_TIME,
    STATE_MARK,
    Blog,
    bluesky_copies,
    git,
    make_blog,
    mastodon_copies,
    new_post,
    peers_env,
    served,
)

from sandbox.bluesky import BlueskyNetwork
from sandbox.mastodon import MastodonServer
from sandbox.processes import free_port
from syndication.desk.inbox import item_id
from syndication.pipeline import check, publish, refresh

pytestmark = [pytest.mark.bluesky, pytest.mark.mastodon]

# How far ahead the scheduled post is dated: long enough for one publish run on a busy machine.
SCHEDULE_AHEAD = timedelta(seconds=15)


@pytest.fixture
def blog(
    tmp_path: Path, bluesky_network: BlueskyNetwork, mastodon_server: MastodonServer
) -> Iterator[Blog]:
    """A blog repository whose site is deployed to a folder served on loopback."""
    site = tmp_path / "www"
    with served(site) as url:
        yield make_blog(tmp_path, url, site, peers_env(bluesky_network, mastodon_server))


def copies_on_networks(
    bluesky: BlueskyNetwork, mastodon: MastodonServer, url: str
) -> tuple[int, int]:
    """How many copies of the post at ``url`` the brand holds on Bluesky and on Mastodon."""
    return len(bluesky_copies(bluesky, url)), len(mastodon_copies(mastodon, url))


def syndication_links(page: Path, url: str) -> list[str]:
    """The ``u-syndication`` links of the post's h-entry on a deployed page."""
    parsed = mf2py.parse(doc=page.read_text(encoding="utf-8"), url=url)
    entries = [item for item in parsed["items"] if "h-entry" in item["type"]]
    assert entries, f"{page} has no h-entry"
    links: list[str] = entries[0]["properties"].get("syndication", [])
    return links


def test_a_pushed_post_goes_out_once_and_its_links_reach_the_site(
    blog: Blog,
    bluesky_network: BlueskyNetwork,
    mastodon_server: MastodonServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blog.push_yesterdays_post("velos-cargos", "Cent vélos cargos")
    pushed = blog.remote_head()
    post_url = f"{blog.url}/velos-cargos/"

    code, report = blog.run(publish, monkeypatch)

    assert code == 0, report
    assert copies_on_networks(bluesky_network, mastodon_server, post_url) == (1, 1)
    head = blog.remote_head()
    assert head != pushed and STATE_MARK in head, report
    copies = blog.state("velos-cargos.fr")["copies"]
    assert {copies[n]["status"] for n in ("bluesky", "mastodon")} == {"published"}
    links = syndication_links(blog.site / "velos-cargos" / "index.html", post_url)
    assert copies["mastodon"]["url"] in links
    bluesky_rkey = copies["bluesky"]["id"].rsplit("/", 1)[-1]
    assert any(link.endswith(bluesky_rkey) for link in links), links
    assert "deploy again: deployed to" in report

    code, report = blog.run(publish, monkeypatch)

    assert code == 0, report
    assert copies_on_networks(bluesky_network, mastodon_server, post_url) == (1, 1)
    assert blog.remote_head() == head, "a run with nothing new made a commit"
    assert "state: nothing new to record" in report
    assert "rebuild: skipped" in report and "deploy again" not in report


def test_a_post_dated_in_the_future_waits_for_its_date(
    blog: Blog,
    bluesky_network: BlueskyNetwork,
    mastodon_server: MastodonServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    date = (datetime.now(BLOG_TIME) + SCHEDULE_AHEAD).replace(microsecond=0)
    blog.push_post("atelier-ouvert.md", new_post("atelier-ouvert", date, "L'atelier ouvert"))
    post_url = f"{blog.url}/atelier-ouvert/"

    code, report = blog.run(publish, monkeypatch)

    assert datetime.now(BLOG_TIME) < date, "the first run took longer than SCHEDULE_AHEAD"
    assert code == 0, report
    assert not (blog.site / "atelier-ouvert").exists()
    assert not list(blog.site.rglob("atelier-ouvert*")), "the scheduled post is on the site"
    assert copies_on_networks(bluesky_network, mastodon_server, post_url) == (0, 0)
    assert STATE_MARK not in blog.remote_head()

    time.sleep((date - datetime.now(BLOG_TIME)).total_seconds() + 1)
    code, report = blog.run(refresh, monkeypatch)

    assert code == 0, report
    assert "backfeed: done" in report
    assert (blog.site / "atelier-ouvert" / "index.html").is_file()
    assert copies_on_networks(bluesky_network, mastodon_server, post_url) == (1, 1)
    assert STATE_MARK in blog.remote_head()
    assert len(syndication_links(blog.site / "atelier-ouvert" / "index.html", post_url)) == 2


def test_a_page_that_never_answers_is_not_announced(
    tmp_path: Path,
    bluesky_network: BlueskyNetwork,
    mastodon_server: MastodonServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Deployed where no server listens: the page never answers at the site's address.
    nowhere = f"http://127.0.0.1:{free_port()}"
    env = peers_env(bluesky_network, mastodon_server)
    blog = make_blog(tmp_path, nowhere, tmp_path / "www", env)
    blog.env["AGORA_LIVE_WAIT_SECONDS"] = "1"
    blog.push_yesterdays_post("pas-en-ligne", "Pas en ligne")
    pushed = blog.remote_head()

    code, report = blog.run(publish, monkeypatch)

    assert code == 0, report
    assert (
        f"wait: 1 of 1 page not live after 1 s ({nowhere}/pas-en-ligne/ does not answer" in report
    )
    assert "a later run syndicates them once they answer" in report
    url = f"{nowhere}/pas-en-ligne/"
    assert copies_on_networks(bluesky_network, mastodon_server, url) == (0, 0)
    assert blog.remote_head() == pushed


def test_a_broken_internal_link_stops_before_anything_goes_out(
    blog: Blog,
    bluesky_network: BlueskyNetwork,
    mastodon_server: MastodonServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = "Voyez [notre atelier](/atelier/nulle-part/) avant de venir."
    blog.push_yesterdays_post("lien-brise", "Un lien brisé", body)
    pushed = blog.remote_head()

    code, report = blog.run(publish, monkeypatch)

    assert code == 1, report
    assert (
        "FAILED at links: lien-brise/index.html: broken link '/atelier/nulle-part/' "
        "(no such page or file)" in report
    )
    assert not any(blog.site.iterdir()), "a site with a broken link was deployed"
    url = f"{blog.url}/lien-brise/"
    assert copies_on_networks(bluesky_network, mastodon_server, url) == (0, 0)
    assert blog.remote_head() == pushed


def test_the_kill_switch_deploys_the_site_but_posts_nothing(
    blog: Blog,
    bluesky_network: BlueskyNetwork,
    mastodon_server: MastodonServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blog.push_yesterdays_post("en-pause", "Un billet en pause")
    pushed = blog.remote_head()

    code, report = blog.run(publish, monkeypatch, env={"AGORA_PAUSE_POSTING": "crise en cours"})

    assert code == 0, report
    assert "wait: posting is paused (AGORA_PAUSE_POSTING is set (crise en cours))" in report
    assert (blog.site / "en-pause" / "index.html").is_file()
    url = f"{blog.url}/en-pause/"
    assert copies_on_networks(bluesky_network, mastodon_server, url) == (0, 0)
    assert blog.remote_head() == pushed


def test_what_one_network_took_is_recorded_when_the_other_refuses(
    blog: Blog,
    bluesky_network: BlueskyNetwork,
    mastodon_server: MastodonServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blog.push_yesterdays_post("a-moitie", "Un billet à moitié")
    refused = {"AGORA_MASTODON_ACCESS_TOKEN": "not-the-brand-token-at-all"}

    code, report = blog.run(publish, monkeypatch, env=refused)

    assert code == 1, report
    assert "FAILED at syndicate:" in report and "not-the-brand-token-at-all" not in report
    url = f"{blog.url}/a-moitie/"
    assert copies_on_networks(bluesky_network, mastodon_server, url) == (1, 0)
    assert STATE_MARK in blog.remote_head()
    copies = blog.state("a-moitie.fr")["copies"]
    # Mastodon refused the token before anything was sent: no intent of it to commit.
    assert copies["bluesky"]["status"] == "published" and "mastodon" not in copies
    assert len(syndication_links(blog.site / "a-moitie" / "index.html", url)) == 1


def test_a_state_push_that_fails_keeps_the_commit_and_says_what_to_do(
    blog: Blog,
    bluesky_network: BlueskyNetwork,
    mastodon_server: MastodonServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    blog.push_yesterdays_post("hors-ligne", "Un dépôt hors ligne")
    pushed = blog.remote_head()
    git(blog.ci, "remote", "set-url", "--push", "origin", str(tmp_path / "gone.git"))

    code, report = blog.run(publish, monkeypatch)

    assert code == 1, report
    assert "FAILED at state: could not push the state to origin/main" in report
    assert "commit them back before the next run" in report and "rebuild" not in report
    assert blog.remote_head() == pushed
    local = git(blog.ci, "log", "-1", "--format=%s", "--name-only")
    assert STATE_MARK in local and "content/state/posts/hors-ligne.fr.json" in local
    url = f"{blog.url}/hors-ligne/"
    assert copies_on_networks(bluesky_network, mastodon_server, url) == (1, 1)


def test_a_deploy_that_fails_posts_nothing(
    blog: Blog,
    bluesky_network: BlueskyNetwork,
    mastodon_server: MastodonServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blog.push_yesterdays_post("sans-site", "Un billet sans site")

    code, report = blog.run(publish, monkeypatch, env={"AGORA_DEPLOY_TARGET": "gh-pages:nowhere"})

    assert code == 1, report
    assert "FAILED at deploy: `git remote` failed: error: No such remote 'nowhere'" in report
    assert "(nothing was posted)" in report and "syndicate:" not in report
    url = f"{blog.url}/sans-site/"
    assert copies_on_networks(bluesky_network, mastodon_server, url) == (0, 0)


def test_the_pull_request_check_keeps_drafts_for_review_and_names_a_broken_link(
    blog: Blog, monkeypatch: pytest.MonkeyPatch
) -> None:
    later = datetime.now(BLOG_TIME) + timedelta(days=30)
    blog.push_post("plus-tard.md", new_post("plus-tard", later, "Un billet pour plus tard"))
    no_target = {"AGORA_DEPLOY_TARGET": ""}

    code, report = blog.run(check, monkeypatch, env=no_target)

    assert code == 0, report
    assert (blog.ci / "output" / "drafts" / "plus-tard" / "index.html").is_file()
    assert not any(blog.site.iterdir()), "the check deployed the site"

    body = "Voyez [la suite](/plus-tard/#suite)."
    blog.push_post("renvoi.md", new_post("renvoi", later - timedelta(days=60), "Un renvoi", body))
    code, report = blog.run(check, monkeypatch, env=no_target)

    assert code == 1, report
    assert "FAILED at links: renvoi/index.html: broken link '/plus-tard/#suite'" in report


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ({"AGORA_DEPLOY_TARGET": ""}, "AGORA_DEPLOY_TARGET is not set"),
        ({"AGORA_LIVE_WAIT_SECONDS": "soon"}, "AGORA_LIVE_WAIT_SECONDS='soon' is not a number"),
    ],
)
def test_a_pipeline_without_its_settings_does_not_start(
    blog: Blog, monkeypatch: pytest.MonkeyPatch, setting: dict[str, str], said: str
) -> None:
    code, report = blog.run(publish, monkeypatch, env=setting)

    assert code == 2, report
    assert report.startswith("The publish pipeline did not start: ") and said in report
    assert not (blog.ci / "output").exists()


def test_an_answer_written_as_a_file_goes_out_once_and_reaches_the_page(
    blog: Blog, mastodon_server: MastodonServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer answers from GitHub's web editor: a file in content/answers/ is pushed, the
    pipeline sends it once, commits its deletion with the state and shows the answer."""
    blog.push_yesterdays_post("moyeux-neufs", "Moyeux neufs")
    code, report = blog.run(publish, monkeypatch)
    assert code == 0, report
    copy = blog.state("moyeux-neufs.fr")["copies"]["mastodon"]
    asked = httpx.post(
        f"{mastodon_server.base_url}/api/v1/statuses",
        json={
            "status": "@velosboreal Quelle garantie ?",
            "in_reply_to_id": copy["id"],
            "visibility": "public",
        },
        headers={"Authorization": f"Bearer {mastodon_server.tokens['noor']}"},
        timeout=30,
    )
    asked.raise_for_status()
    question = str(asked.json()["id"])
    code, report = blog.run(refresh, monkeypatch)  # the backfeed brings the question home
    assert code == 0, report

    git(blog.writer, "pull", "-q", "--rebase", "origin", "main")
    answer = blog.writer / "content" / "answers" / "noor-garantie.md"
    answer.parent.mkdir(parents=True, exist_ok=True)
    answer.write_text(
        f"Comment: {item_id('mastodon', question)}\nAs: Mathieu\n\nDeux ans, pièces comprises.\n",
        encoding="utf-8",
    )
    git(blog.writer, "add", "content/answers")
    git(blog.writer, "commit", "-qm", "Answer Noor")
    git(blog.writer, "push", "-q", "origin", "HEAD:main")
    git(blog.ci, "pull", "-q", "--ff-only", "origin", "main")

    code, report = blog.run(publish, monkeypatch)

    assert code == 0, report
    assert "answers: done" in report and "noor-garantie.md: Answered on Mastodon" in report
    answers = mastodon_replies(mastodon_server, question)
    assert len(answers) == 1 and "Deux ans, pièces comprises. — Mathieu" in answers[0]["content"]
    on_main = git(blog.remote, "ls-tree", "-r", "--name-only", "main").split()
    assert "content/answers/noor-garantie.md" not in on_main, report
    page = (blog.site / "moyeux-neufs" / "index.html").read_text(encoding="utf-8")
    assert "Deux ans, pièces comprises." in html.unescape(page)

    code, report = blog.run(publish, monkeypatch)
    assert code == 0, report
    assert "answers:" not in report
    assert len(mastodon_replies(mastodon_server, question)) == 1


def mastodon_replies(server: MastodonServer, parent: str) -> list[dict[str, Any]]:
    """The statuses of the peer that answer ``parent``."""
    response = httpx.get(
        f"{server.base_url}/api/v1/statuses/{parent}/context",
        headers={"Authorization": f"Bearer {server.brand_token}"},
        timeout=30,
    )
    response.raise_for_status()
    return [s for s in response.json()["descendants"] if s.get("in_reply_to_id") == parent]


def test_a_state_folder_moved_by_its_setting_is_recorded_and_its_links_reach_the_site(
    blog: Blog,
    bluesky_network: BlueskyNetwork,
    mastodon_server: MastodonServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """AGORA_STATE_PATH elsewhere than content/state: the engines say what they wrote, the state
    commit holds that folder, and the rebuilt page links to the copies."""
    # The company moves its state in its production settings (set there rather than in the
    # environment: this process imported pelicanconf once, as every test shares it).
    settings = blog.writer / "publishconf.py"
    settings.write_text(
        settings.read_text(encoding="utf-8") + '\nAGORA_STATE_PATH = "data/agora-state"\n',
        encoding="utf-8",
    )
    git(blog.writer, "commit", "-qam", "Move the state")
    blog.push_yesterdays_post("selles-neuves", "Des selles neuves")
    post_url = f"{blog.url}/selles-neuves/"

    code, report = blog.run(publish, monkeypatch)

    assert code == 0, report
    assert copies_on_networks(bluesky_network, mastodon_server, post_url) == (1, 1)
    assert "rebuild: skipped" not in report and "deploy again: deployed to" in report
    on_main = git(blog.remote, "ls-tree", "-r", "--name-only", "main").split()
    assert "data/agora-state/posts/selles-neuves.fr.json" in on_main, report
    assert not any(name.startswith("content/state/posts/selles") for name in on_main)
    links = syndication_links(blog.site / "selles-neuves" / "index.html", post_url)
    assert len(links) == 2, links
