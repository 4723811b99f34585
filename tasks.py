"""The commands people run: `invoke --list` shows them, each with one line of help.

Each task is a thin layer: the work lives in the ``syndication`` package so it can be tested
without a shell. Site tasks run Pelican; network tasks read the production settings.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

from invoke.context import Context
from invoke.tasks import task

ROOT = Path(__file__).resolve().parent
PYTHON = sys.executable
LOCAL_SETTINGS = "pelicanconf.py"
PRODUCTION_SETTINGS = "publishconf.py"
OUTPUT = "output"
# serve and livereload build here, so a preview never replaces what publish deploys or demo serves.
PREVIEW_OUTPUT = "output-preview"
PORT = int(os.environ.get("AGORA_PORT", "8000"))


def _pelican(c: Context, settings: str, extra: str = "") -> None:
    """Run Pelican with ``settings``; a content error ends in one line, not a traceback."""
    c.run(
        f"{shlex.quote(PYTHON)} -m syndication.site.build -s {settings} -o {OUTPUT} {extra}".strip()
    )


@task
def build(c: Context) -> None:
    """Build the site with local settings into output/."""
    _pelican(c, LOCAL_SETTINGS)


@task
def rebuild(c: Context) -> None:
    """Delete output/ and build the site again from scratch."""
    clean(c)
    build(c)


@task
def clean(c: Context) -> None:
    """Remove the built site (output/) and the preview (output-preview/)."""
    shutil.rmtree(ROOT / OUTPUT, ignore_errors=True)
    shutil.rmtree(ROOT / PREVIEW_OUTPUT, ignore_errors=True)


def _serve_preview(port: int, watch: bool) -> None:
    """Build the local site for ``port`` into output-preview/ and serve it there."""
    from invoke.exceptions import Exit

    from syndication.site.preview import main

    arguments = ["-s", str(ROOT / LOCAL_SETTINGS), "-o", str(ROOT / PREVIEW_OUTPUT)]
    code = main([*arguments, "-p", str(port), *(["--watch"] if watch else [])])
    if code:
        raise Exit(code=code)


@task(help={"port": "port to listen on (default 8000, or $AGORA_PORT)"})
def serve(c: Context, port: int = PORT) -> None:
    """Build into output-preview/ for http://localhost:PORT and serve it (output/ is left alone)."""
    _serve_preview(port, watch=False)


@task(help={"port": "port to listen on (default 8000, or $AGORA_PORT)"})
def livereload(c: Context, port: int = PORT) -> None:
    """Like serve, and rebuild whenever the content, the theme or the settings change."""
    _serve_preview(port, watch=True)


@task
def preview(c: Context) -> None:
    """Build the site with production settings (publishconf.py) into output/."""
    _pelican(c, PRODUCTION_SETTINGS)


@task(
    help={
        "target": "where to deploy: a folder path, user@host:path (rsync over SSH), "
        "or gh-pages (default: $AGORA_DEPLOY_TARGET)",
    }
)
def publish(c: Context, target: str = "") -> None:
    """Build with production settings and deploy output/ to the configured target."""
    from syndication.site.deploy import deploy

    preview(c)
    where = deploy(ROOT / OUTPUT, target or os.environ.get("AGORA_DEPLOY_TARGET", ""), root=ROOT)
    print(f"Deployed to {where}")


@task(help={"port": "port to serve the site on (default 8000)"})
def demo(c: Context, port: int = PORT) -> None:
    """Sandbox, syndication, comments and inbox, then serve the site at http://localhost:8000."""
    from invoke.exceptions import Exit

    import sandbox as box
    from sandbox import demo as show

    try:
        info = box.start(ROOT)
        print(box.describe(info))
        show.run(ROOT, info, port=port, out=sys.stdout)
    except (box.SandboxError, show.DemoError) as error:
        raise Exit(f"The demo stopped: {error}", code=1) from None


@task(help={"stop": "stop the sandbox and delete its run data"})
def sandbox(c: Context, stop: bool = False) -> None:
    """Start the local networks with demo accounts (--stop ends them)."""
    from invoke.exceptions import Exit

    import sandbox as box

    if stop:
        box.stop(ROOT)
        print("Sandbox stopped; its run data is deleted (logs stay in .sandbox/).")
        return
    try:
        info = box.start(ROOT)
    except box.SandboxError as error:
        raise Exit(f"The sandbox did not start: {error}", code=1) from None
    print(box.describe(info))
    print("Use them: set -a; . .sandbox/env; set +a   then e.g. invoke syndicate --dry-run")
    print("Stop: invoke sandbox --stop")


@task(
    help={
        "dry_run": "show what each network would receive; send and write nothing",
        "markdown": "print the report as Markdown (for a GitHub job summary)",
        "settings": "Pelican settings file (default publishconf.py)",
    }
)
def syndicate(
    c: Context, dry_run: bool = False, markdown: bool = False, settings: str = PRODUCTION_SETTINGS
) -> None:
    """Post every live, published post once to each configured network (--dry-run to preview)."""
    from invoke.exceptions import Exit

    from syndication.cli.common import setup_logging
    from syndication.cli.syndicate import run

    setup_logging()
    code = run(ROOT / settings, dry_run=dry_run, markdown=markdown)
    if code:
        raise Exit(code=code)


@task(
    help={
        "full": "refresh every thread, whatever the schedule (deletions and edits reach the site)",
        "settings": "Pelican settings file (default publishconf.py)",
    }
)
def backfeed(c: Context, full: bool = False, settings: str = PRODUCTION_SETTINGS) -> None:
    """Bring replies, likes, reposts and quotes from the networks into the state files."""
    from invoke.exceptions import Exit

    from syndication.cli.backfeed import run
    from syndication.cli.common import setup_logging

    setup_logging()
    code = run(ROOT / settings, full=full)
    if code:
        raise Exit(code=code)


@task
def pipeline(c: Context) -> None:
    """What a push to main runs: build, deploy, syndicate new posts, record, rebuild, deploy."""
    from invoke.exceptions import Exit

    from syndication.cli.common import setup_logging
    from syndication.pipeline import publish

    setup_logging()
    code = publish(ROOT)
    if code:
        raise Exit(code=code)


@task
def refresh(c: Context) -> None:
    """What the schedule runs: backfeed, publish posts whose date has come, record, deploy."""
    from invoke.exceptions import Exit

    from syndication.cli.common import setup_logging
    from syndication.pipeline import refresh as refresh_pipeline

    setup_logging()
    code = refresh_pipeline(ROOT)
    if code:
        raise Exit(code=code)


@task(help={"settings": "Pelican settings file (default publishconf.py)"})
def listen(c: Context, settings: str = PRODUCTION_SETTINGS) -> None:
    """Read the feeds and searches of content/listening.toml; new mentions go to the inbox."""
    from invoke.exceptions import Exit

    from syndication.cli.common import setup_logging
    from syndication.cli.listen import run

    setup_logging()
    code = run(ROOT / settings)
    if code:
        raise Exit(code=code)


@task(
    help={
        "check": "only say whether each file can go out (no network, no secret): a pull request",
        "settings": "Pelican settings file (default publishconf.py)",
    }
)
def answers(c: Context, check: bool = False, settings: str = PRODUCTION_SETTINGS) -> None:
    """Send the answers written as files in content/answers/, once each (see the README)."""
    from invoke.exceptions import Exit

    from syndication.cli.answers import run_answers
    from syndication.cli.common import setup_logging

    setup_logging()
    code = run_answers(ROOT / settings, check=check)
    if code:
        raise Exit(code=code)


@task(
    help={
        "json": "print stable JSON for tools instead of the table",
        "since": "only comments after a duration ago (24h, 7d) or an ISO date (2026-11-20)",
        "stats": "show how fast we answer (median, 90th percentile, waiting over 24 h)",
        "mentions": "list every mention heard elsewhere (invoke listen), newest first",
        "settings": "Pelican settings file (default publishconf.py)",
    }
)
def inbox(
    c: Context,
    json: bool = False,
    since: str = "",
    stats: bool = False,
    mentions: bool = False,
    settings: str = PRODUCTION_SETTINGS,
) -> None:
    """List the comments waiting for an answer, oldest first, then what is said elsewhere."""
    from invoke.exceptions import Exit

    from syndication.cli.desk import run_inbox

    code = run_inbox(ROOT / settings, as_json=json, since=since, stats=stats, mentions=mentions)
    if code:
        raise Exit(code=code)


@task(
    positional=["item", "text"],
    help={
        "item": "the ID shown by invoke inbox",
        "text": "the answer, in quotes",
        "as_": "who answers: a name of AGORA_AUTHORS, or the first name alone",
        "settings": "Pelican settings file (default publishconf.py)",
    },
)
def reply(
    c: Context, item: str, text: str, as_: str = "", settings: str = PRODUCTION_SETTINGS
) -> None:
    """Answer one comment of the inbox, exactly once: invoke reply ID "text" --as Camille."""
    from invoke.exceptions import Exit

    from syndication.cli.common import setup_logging
    from syndication.cli.desk import run_reply

    setup_logging()
    code = run_reply(item, text, as_, ROOT / settings)
    if code:
        raise Exit(code=code)


@task(
    help={
        "since": "a duration (90d, the default) or an ISO date (2026-09-01)",
        "json": "print stable JSON for tools instead of the table",
        "csv": "print CSV for a spreadsheet instead of the table",
        "settings": "Pelican settings file (default publishconf.py)",
    }
)
def fans(
    c: Context,
    since: str = "90d",
    json: bool = False,
    csv: bool = False,
    settings: str = PRODUCTION_SETTINGS,
) -> None:
    """Rank the people who engage with us in public, across networks (README, "Fans")."""
    from invoke.exceptions import Exit

    from syndication.cli.insight import run_fans

    code = run_fans(ROOT / settings, since=since, as_json=json, as_csv=csv)
    if code:
        raise Exit(code=code)


@task(
    help={
        "since": "fans of a duration (90d, the default) or since an ISO date",
        "top": "how many of the top fans' profiles to read (default 100)",
        "settings": "Pelican settings file (default publishconf.py)",
    }
)
def people(
    c: Context, since: str = "90d", top: int = 100, settings: str = PRODUCTION_SETTINGS
) -> None:
    """Read the top fans' profiles now and record the accounts they link publicly (rel=me):
    invoke fans and the report join them automatically (README, "Fans")."""
    from invoke.exceptions import Exit

    from syndication.cli.common import setup_logging
    from syndication.cli.insight import run_people

    setup_logging()
    code = run_people(ROOT / settings, since=since, top=top)
    if code:
        raise Exit(code=code)


@task(
    help={
        "month": "a calendar month, like 2026-11 (default: the current month so far)",
        "since": "a duration (30d) or an ISO date, instead of a month",
        "settings": "Pelican settings file (default publishconf.py)",
    }
)
def report(
    c: Context, month: str = "", since: str = "", settings: str = PRODUCTION_SETTINGS
) -> None:
    """Write the impact report of a period under report/, in French and English."""
    from invoke.exceptions import Exit

    from syndication.cli.common import setup_logging
    from syndication.cli.insight import run_report

    setup_logging()
    code = run_report(ROOT / settings, month=month, since=since)
    if code:
        raise Exit(code=code)


@task(
    help={
        "settings": "Pelican settings file (default publishconf.py)",
        "refresh": "refresh the tokens Meta renews and store them with gh (AGORA_SECRETS_TOKEN)",
    }
)
def tokens(c: Context, settings: str = PRODUCTION_SETTINGS, refresh: bool = False) -> None:
    """Check that every configured credential works and does not expire within 14 days."""
    from invoke.exceptions import Exit

    from syndication.cli.common import setup_logging
    from syndication.cli.tokens import run

    setup_logging()
    code = run(ROOT / settings, refresh=refresh)
    if code:
        raise Exit(code=code)


@task
def check(c: Context) -> None:
    """What a pull request runs: build with production settings, check every internal link."""
    from invoke.exceptions import Exit

    from syndication.cli.common import setup_logging
    from syndication.pipeline import check as check_pipeline

    setup_logging()
    code = check_pipeline(ROOT)
    if code:
        raise Exit(code=code)
