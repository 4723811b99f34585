"""The dry run: exactly what each network would receive, and nothing written or sent anywhere."""

from __future__ import annotations

import io
import shutil
from datetime import UTC, datetime

import pytest
from syndicate_support import Site, mastodon_copies, post_file, tree_digest

from sandbox.mastodon import MastodonServer
from syndication.cli.syndicate import run
from syndication.model import Copy, CopyStatus, PostState
from syndication.networks.bluesky.convert import count_graphemes
from syndication.store.state import StateStore

pytestmark = pytest.mark.mastodon
LONG = " ".join(["Le sel de nos rues ronge les chaînes, les dérailleurs et les câbles."] * 5)
OVERRIDE = "Un texte écrit à la main pour Bluesky, bien trop long. " * 6
WHEN = datetime(2026, 1, 5, 12, tzinfo=UTC)


def prepare(site: Site) -> None:
    image = site.add_image("hiver.jpg")
    site.add_post(
        "hiver.md",
        post_file(
            "rouler-l-hiver",
            summary=LONG,
            extra={"Image": image, "Image_alt": "Une chaîne salée."},
        ),
    )
    site.add_post("bientot.md", post_file("pas-encore", title="Bientôt en ligne"))
    site.add_post("note.md", post_file("note-equipe", extra={"Syndicate": "none"}))
    site.add_post("deja.md", post_file("deja-publie", title="Déjà publié"))
    site.add_post("long.md", post_file("trop-long", extra={"Bluesky_text": OVERRIDE}))
    site.build()
    shutil.rmtree(site.output / "pas-encore")  # built but not deployed yet: answers 404
    store = StateStore(site.state)
    state = PostState(key="deja-publie.fr")
    state.copies["bluesky"] = Copy(
        "bluesky",
        CopyStatus.PUBLISHED,
        "3lbq2ttxyzs2c",
        WHEN,
        id="at://did:plc:brand/app.bsky.feed.post/3lbq2ttxyzs2c",
        url="https://bsky.app/profile/velosboreal.test/post/3lbq2ttxyzs2c",
        published_at=WHEN,
        account="velosboreal.test",
    )
    state.copies["mastodon"] = Copy(
        "mastodon", CopyStatus.PENDING, "0b7e4a3c-7c1e-4b43-9a7e-2f4d1c9e8a10", WHEN
    )
    store.save(state)


def env_for(mastodon: MastodonServer) -> dict[str, str]:
    # Bluesky points at a port nobody listens on: a dry run never calls Bluesky at all.
    return {
        "AGORA_BLUESKY_SERVICE": "http://127.0.0.1:9",
        "AGORA_BLUESKY_HANDLE": "velosboreal.test",
        "AGORA_BLUESKY_APP_PASSWORD": "app-password-never-used",
        "AGORA_MASTODON_BASE_URL": mastodon.base_url,
        "AGORA_MASTODON_ACCESS_TOKEN": mastodon.brand_token,
    }


def test_dry_run_prints_text_length_card_and_writes_nothing(
    site: Site, mastodon_server: MastodonServer
) -> None:
    prepare(site)
    before = tree_digest(site.state)
    out = io.StringIO()

    code = run(site.settings_file, dry_run=True, env=env_for(mastodon_server), stdout=out)

    report = out.getvalue()
    assert tree_digest(site.state) == before  # no state written, no lock file left
    assert not (site.state / ".lock").exists()
    for slug in ("rouler-l-hiver", "pas-encore", "deja-publie", "trop-long"):
        assert mastodon_copies(mastodon_server, f"{site.url}/{slug}/") == []

    assert code == 1  # the override that is too long would fail: the preview says so
    url = f"{site.url}/rouler-l-hiver/"
    assert "rouler-l-hiver.fr -> Bluesky: would post" in report
    assert "rouler-l-hiver.fr -> Mastodon: would post" in report
    assert "  from velosboreal.test, signed by Mathieu Gagnon, language fr" in report
    bluesky_block = report.split("rouler-l-hiver.fr -> Bluesky: would post")[1].split("\n\n")[0]
    text = "\n".join(
        line.removeprefix("    | ")
        for line in bluesky_block.splitlines()
        if line.startswith("    | ")
    )
    assert text.startswith("Rouler l'hiver sans y laisser sa chaîne\n\nLe sel de nos rues")
    assert f"… — Mathieu\n\n{url}\n\n#Hiver #Entretien #Chaîne" in text
    assert f"  length: {count_graphemes(text)}/300 graphemes" in bluesky_block
    assert "  warning: the default text was cut to fit Bluesky's 300 graphemes" in bluesky_block
    assert "  card: Rouler l'hiver sans y laisser sa chaîne" in bluesky_block
    assert f"image: {site.url}/images/posts/hiver.jpg" in bluesky_block
    assert "/500 characters" in report  # the instance's limit, read from the peer

    assert "pas-encore.fr -> Bluesky: waiting: not live" in report
    assert "/pas-encore/ answers 404" in report
    assert "card (expected; read from the page once it is live): Bientôt en ligne" in report
    assert "deja-publie.fr -> Bluesky" not in report  # already posted: counted only
    assert "deja-publie.fr -> Mastodon: would look for the pending copy, then post it" in report
    assert "0b7e4a3c-7c1e-4b43-9a7e-2f4d1c9e8a10" in report
    assert "note-equipe" not in report  # opted out: counted only
    assert "FAILED trop-long.fr on Bluesky: trop-long.fr: Bluesky_text is" in report
    assert "trop-long.fr -> Mastodon: would post" in report
    assert (
        "Bluesky: 1 would be posted, 0 pending, 1 failed, 1 already posted, "
        "1 not live yet, 1 opted out"
    ) in report
    assert "app-password-never-used" not in report


def test_markdown_dry_run_for_the_job_summary(site: Site, mastodon_server: MastodonServer) -> None:
    prepare(site)
    before = tree_digest(site.state)
    out = io.StringIO()

    run(site.settings_file, dry_run=True, markdown=True, env=env_for(mastodon_server), stdout=out)

    summary = out.getvalue()
    assert tree_digest(site.state) == before
    assert summary.startswith("## Syndication dry run\n")
    assert "| Bluesky | 1 would be posted, 0 pending, 1 failed" in summary
    assert "### Rouler l'hiver sans y laisser sa chaîne (rouler-l-hiver.fr) on Bluesky" in summary
    assert "```text\nRouler l'hiver sans y laisser sa chaîne\n\nLe sel de nos rues" in summary
    assert "- length: " in summary and " / 300 graphemes" in summary
    assert "- card: **Rouler l'hiver sans y laisser sa chaîne**" in summary
    assert "### Failures" in summary


def test_a_paused_dry_run_shows_what_is_held_back(
    site: Site, mastodon_server: MastodonServer
) -> None:
    prepare(site)
    env = {**env_for(mastodon_server), "AGORA_PAUSE_POSTING": "1"}
    out = io.StringIO()
    run(site.settings_file, dry_run=True, env=env, stdout=out)
    report = out.getvalue()
    assert "Posting is paused: AGORA_PAUSE_POSTING is set (1)" in report
    assert "rouler-l-hiver.fr -> Bluesky: paused" in report
    assert "  length: " in report  # the text is still shown


def test_a_pull_request_preview_needs_no_credential(
    site: Site, mastodon_server: MastodonServer
) -> None:
    """A pull request gets the public settings only: every network is still previewed in full."""
    prepare(site)
    before = tree_digest(site.state)
    public = {
        "AGORA_BLUESKY_SERVICE": "http://127.0.0.1:9",  # never called
        "AGORA_BLUESKY_HANDLE": "velosboreal.test",
        "AGORA_MASTODON_BASE_URL": mastodon_server.base_url,
        "AGORA_MASTODON_ACCOUNT": "velosboreal",
    }
    out = io.StringIO()

    run(site.settings_file, dry_run=True, markdown=True, env=public, stdout=out)

    summary = out.getvalue()
    assert tree_digest(site.state) == before
    assert "No network is configured" not in summary
    assert "### Rouler l'hiver sans y laisser sa chaîne (rouler-l-hiver.fr) on Bluesky" in summary
    assert "### Rouler l'hiver sans y laisser sa chaîne (rouler-l-hiver.fr) on Mastodon" in summary
    assert "/ 500 characters" in summary  # the instance's public limits, read without a token
    assert mastodon_copies(mastodon_server, f"{site.url}/rouler-l-hiver/") == []


def test_a_real_run_still_requires_the_credential(site: Site) -> None:
    out = io.StringIO()
    code = run(
        site.settings_file,
        env={"AGORA_MASTODON_BASE_URL": "http://127.0.0.1:9"},
        stdout=out,
    )
    assert code == 2
    assert "AGORA_MASTODON_ACCESS_TOKEN is not set" in out.getvalue()
