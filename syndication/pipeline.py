"""The workflows' pipelines: ``publish`` on a push to main, ``refresh`` on a schedule, ``check``.

``publish``:

1. **build** the site with the production settings (``syndication.site.build``, all or
   nothing), and take the drafts' pages out of it (a post dated in the future is a draft until
   its date);
2. **links**: check every internal link and anchor (``syndication.site.linkcheck``);
3. **deploy** it (``syndication.site.deploy``, to ``AGORA_DEPLOY_TARGET``);
4. **wait** until the pages of the posts still to syndicate answer 200 with their OpenGraph tags
   (``syndication.publish.live``), at most ``AGORA_LIVE_WAIT_SECONDS`` (default 600): a page
   still not up then is syndicated by a later run, never announced before it is live;
5. **syndicate** (the engine, ``syndication.publish.syndicate``, through
   ``syndication.cli.syndicate.syndicate_report``), exactly once per post and network;
6. **state**: commit the state back with ``[agora-state]`` and push it
   (``syndication.store.gitstate``), even when syndication failed for some post, so what was
   posted is never forgotten;
7. **rebuild** and **deploy** again, now with the syndication links, only when the engine's
   report says it wrote to the state.

``refresh`` runs **backfeed** first (``syndication.backfeed.engine``) and **listen**
(``syndication.cli.listen``: the mentions heard elsewhere, committed with the state) and
**people** (``syndication.cli.insight.people_report``: the fans' profiles due a check, each at
most once every ``AGORA_PEOPLE_RECHECK_DAYS``, their verified links recorded in the state), then
the same steps: a post
whose date has come (``WITH_FUTURE_DATES = False``) is built, deployed and syndicated by the first
scheduled run after that date, and the conversation brought home reaches the site.

``check`` (on a pull request) builds and checks the links only; the drafts stay in the built site
for the reviewer, and their own links are checked once they are published.

Each step writes one line saying what it did; a failure writes ``FAILED at <step>:`` and one
sentence saying what to do. A step that failed stops the steps that depend on it: nothing is
deployed after a failed build, nothing is posted after a failed deploy. The exit code is 0 when
everything worked, 1 when a step failed, 2 when the pipeline could not start.

The pipeline runs in the repository root (the settings name their folders relative to it);
``AGORA_SITEURL`` is read by ``publishconf.py`` from the process's environment, ``env`` gives the
rest (networks, kill switch, deploy target, wait).
"""

from __future__ import annotations

import asyncio
import html
import math
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import httpx

from syndication.cli import answers as answers_cli
from syndication.cli import backfeed as backfeed_cli
from syndication.cli import insight as insight_cli
from syndication.cli import listen as listen_cli
from syndication.cli import syndicate as syndicate_cli
from syndication.cli.common import avatar_store, http_client, shown, state_root
from syndication.config import posting_paused
from syndication.errors import AgoraError, ConfigError
from syndication.model import Post
from syndication.networks import registry
from syndication.networks.registry import configured_networks
from syndication.posts import load_settings, read_posts, wants_syndication
from syndication.publish.live import check_all
from syndication.publish.syndicate import still_to_post
from syndication.secrets import redact
from syndication.site.build import BuildFailed, build
from syndication.site.deploy import deploy
from syndication.site.linkcheck import check_site
from syndication.store.gitstate import STATE_PATHS, commit_state, git, has_remote, push
from syndication.store.state import StateStore

SETTINGS_FILE = "publishconf.py"
OUTPUT = "output"
REMOTE = "origin"
WAIT_VARIABLE = "AGORA_LIVE_WAIT_SECONDS"
# GitHub Pages usually serves a new deployment within a minute or two; ten leave room to spare.
DEFAULT_WAIT_SECONDS = 600.0
POLL_SECONDS = 5.0
# A report names this many broken links; the rest are counted (one fix often repairs many).
LISTED_BROKEN_LINKS = 5


class StepFailed(Exception):
    """A step did not do its work: which step, and the sentence saying what to do."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.step = step
        self.message = message


@contextmanager
def failing_as(step: str, advice: str) -> Iterator[None]:
    """Turn this project's errors inside a step into a StepFailed naming it, with ``advice``."""
    try:
        yield
    except (AgoraError, BuildFailed) as error:
        raise StepFailed(step, f"{str(error).rstrip('.;')}; {advice}") from error


@dataclass(frozen=True)
class Pipeline:
    """What one run works on: the repository, the settings, the target, the stream it reports to."""

    root: Path
    env: Mapping[str, str]
    out: TextIO
    settings_file: Path
    settings: dict[str, Any]
    target: str
    wait_seconds: float

    @property
    def output(self) -> Path:
        """The built site."""
        return self.root / OUTPUT

    def say(self, step: str, text: str) -> None:
        """One line for a step (secrets redacted, control characters shown: ``shown``)."""
        self.out.write(shown(f"{step}: {text}") + "\n")
        self.out.flush()

    def fail(self, step: str, text: str) -> None:
        """The line of a failed step."""
        self.out.write(shown(f"FAILED at {step}: {text}") + "\n")
        self.out.flush()

    def quote(self, report: str) -> None:
        """Another command's report, indented under the step that ran it."""
        lines = [line for line in report.rstrip("\n").split("\n") if line.strip()]
        self.out.write("".join(f"  {shown(line)}\n" for line in lines))
        self.out.flush()


def _wait_seconds(env: Mapping[str, str]) -> float:
    """``AGORA_LIVE_WAIT_SECONDS`` as a number of seconds."""
    value = env.get(WAIT_VARIABLE, "").strip()
    if not value:
        return DEFAULT_WAIT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < math.inf:  # also refuses "nan" and "inf"
        raise ConfigError(f"{WAIT_VARIABLE}={value!r} is not a number of seconds; set it like 600.")
    return seconds


def prepare(root: Path, env: Mapping[str, str], out: TextIO, *, deploying: bool) -> Pipeline:
    """Check what the pipeline needs before it changes anything (ConfigError: it cannot start)."""
    root = root.resolve()
    settings_file = root / SETTINGS_FILE
    if Path.cwd().resolve() != root:
        raise ConfigError(f"the pipeline runs in the repository root; cd {root} and run it again.")
    target = env.get("AGORA_DEPLOY_TARGET", "").strip()
    if deploying and not target:
        raise ConfigError(
            "AGORA_DEPLOY_TARGET is not set; set it to gh-pages, a folder, user@host:path or "
            "s3://bucket (see .github/agora.env)."
        )
    if deploying:
        git(root, "rev-parse", "--git-dir")  # a GitError: no repository to commit the state to
    return Pipeline(
        root=root,
        env=env,
        out=out,
        settings_file=settings_file,
        settings=load_settings(settings_file),
        target=target,
        wait_seconds=_wait_seconds(env),
    )


def _count(number: int, noun: str) -> str:
    """``1 page``, ``2 pages``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


# -- the steps -------------------------------------------------------------------------------

NOTHING_DONE = "fix it and push again (nothing was deployed or posted)."


def step_build(run: Pipeline, step: str = "build", *, deploying: bool = True) -> None:
    """Build the site into output/, all or nothing; the drafts taken out of what is deployed."""
    with failing_as(
        step, NOTHING_DONE if step == "build" else "fix it and run the workflow again."
    ):
        seconds = build(run.settings_file, run.output)
    held = drop_drafts(run.output, run.settings) if deploying else 0
    whose = "its" if held == 1 else "their"
    kept = f"; {_count(held, 'draft page')} kept off the site until {whose} date" if held else ""
    run.say(step, f"built the site with {SETTINGS_FILE} into {OUTPUT}/ in {seconds:.1f} s{kept}")


def drafts_folder(settings: Mapping[str, Any]) -> str:
    """The folder Pelican writes drafts into (``drafts`` of ``DRAFT_SAVE_AS``), or ``""``."""
    first = str(settings.get("DRAFT_SAVE_AS", "")).split("/", 1)[0]
    return "" if "{" in first or "." in first else first


# The site's files a page shows: an image's ``src``, each candidate of a ``srcset``, and the
# OpenGraph image (``content`` of a ``<meta>``).
_SHOWN = re.compile(r"""\b(?:src|srcset|content)\s*=\s*["']([^"']+)["']""", re.I)


def _shown_paths(page: str, siteurl: str) -> set[str]:
    """The site's own files the HTML ``page`` shows (images, their variants, its card), as
    paths relative to the output folder."""
    prefix = siteurl.rstrip("/") + "/"
    paths: set[str] = set()
    for value in _SHOWN.findall(page):
        for candidate in value.split(","):
            address = html.unescape(candidate.strip().split(" ", 1)[0])
            if prefix != "/" and address.startswith(prefix):
                address = address.removeprefix(prefix)
            elif address.startswith("/"):
                address = address.lstrip("/")
            else:
                continue
            paths.add(address.split("?", 1)[0].split("#", 1)[0])
    return paths


def _pages(folder: Path) -> Iterator[str]:
    """The text of every HTML page under ``folder``."""
    for page in folder.rglob("*.html"):
        yield page.read_text(encoding="utf-8", errors="replace")


def drop_drafts(output: Path, settings: Mapping[str, Any]) -> int:
    """Remove the drafts' pages, and the social cards drawn for them alone; how many pages.

    Pelican writes a post dated in the future as a draft (``WITH_FUTURE_DATES = False``), still at
    a public address: deployed, a scheduled announcement could be read before its date. Its card
    (an image with its title) and its photos (each resized variant) would tell as much, so a file
    a draft shows and no published page names goes too; theme files any page shows stay.
    """
    name = drafts_folder(settings)
    folder = output / name if name else None
    if folder is None or not folder.is_dir():
        return 0
    count = sum(1 for _ in folder.rglob("*.html"))
    siteurl = str(settings.get("SITEURL", ""))
    # What the drafts show, outside their own folder: their images, the images' resized
    # variants, their cards. Only those files are looked at on disk.
    shown = {p for page in _pages(folder) for p in _shown_paths(page, siteurl)}
    images = {p for p in shown if not p.startswith(f"{name}/") and (output / p).is_file()}
    shutil.rmtree(folder)
    if images:
        for page in _pages(output):
            images -= _shown_paths(page, siteurl)
            if not images:
                break
        for image in images:
            (output / image).unlink()
    return count


def step_links(run: Pipeline) -> None:
    """Every internal link and anchor of the built site leads somewhere."""
    drafts = drafts_folder(run.settings)
    broken = [
        link
        for link in check_site(run.output, str(run.settings.get("SITEURL", "")))
        # A draft links to the tag pages it creates once published: not broken, just early.
        if not (drafts and link.page.startswith(f"{drafts}/"))
    ]
    if broken:
        named = "; ".join(str(link) for link in broken[:LISTED_BROKEN_LINKS])
        more = len(broken) - LISTED_BROKEN_LINKS
        also = f" (and {more} more)" if more > 0 else ""
        raise StepFailed("links", f"{named}{also}; {NOTHING_DONE}")
    pages = sum(1 for _ in run.output.rglob("*.html"))
    run.say("links", f"every internal link of the {pages} pages leads somewhere")


def step_deploy(run: Pipeline, step: str = "deploy") -> None:
    """Put the built site where readers see it."""
    advice = "fix the deploy target (AGORA_DEPLOY_TARGET) or its credentials and run again"
    with failing_as(step, advice + (" (nothing was posted)." if step == "deploy" else ".")):
        where = deploy(run.output, run.target, run.root)
    run.say(step, f"deployed to {where}")


def posts_to_syndicate(run: Pipeline) -> list[Post]:
    """The posts whose date has come and that some configured network has no copy of yet."""
    networks = configured_networks(run.env)
    store = StateStore(state_root(run.settings, run.settings_file))
    waiting: list[Post] = []
    for post in read_posts(run.settings):
        if not wants_syndication(post):
            continue
        if still_to_post(post, networks, store.load(post.key)):
            waiting.append(post)
    return waiting


async def _poll_until_live(urls: list[str], seconds: float) -> dict[str, str]:
    """Check ``urls`` until all are live or ``seconds`` passed; the reason of each one not live."""
    deadline = time.monotonic() + seconds
    pending = list(urls)
    async with http_client() as client:  # each check sets its own short timeout
        while True:
            results = await check_all(client, pending)
            reasons = {url: result.reason for url, result in results.items() if not result.live}
            pending = list(reasons)
            remaining = deadline - time.monotonic()
            if not pending or remaining <= 0:
                return reasons
            await asyncio.sleep(min(POLL_SECONDS, remaining))


def step_wait(run: Pipeline) -> None:
    """Wait (bounded) until the pages of the posts to syndicate are live."""
    paused = posting_paused(run.env, state_root(run.settings, run.settings_file))
    if paused:
        run.say("wait", f"posting is paused ({paused}): not waiting for any page")
        return
    try:
        posts = posts_to_syndicate(run)
    except AgoraError as error:
        # The syndicate step meets the same problem and reports it; waiting is pointless.
        run.say("wait", f"not waiting: {error}")
        return
    if not posts:
        run.say("wait", "no post waits for syndication")
        return
    started = time.monotonic()
    reasons = asyncio.run(_poll_until_live([post.url for post in posts], run.wait_seconds))
    took = time.monotonic() - started
    if not reasons:
        run.say(
            "wait", f"every page to syndicate answers ({_count(len(posts), 'page')}, {took:.0f} s)"
        )
        return
    url, reason = next(iter(reasons.items()))
    run.say(
        "wait",
        f"{len(reasons)} of {_count(len(posts), 'page')} not live after {took:.0f} s "
        f"({url} {reason}); a later run syndicates them once they answer",
    )


def _quote_command(run: Pipeline, step: str, code: int, report: str, retry: str) -> None:
    """The step's line for another command's exit code, then that command's report."""
    if code == 0:
        run.say(step, "done; its report:")
    elif code == 2:
        run.fail(step, "it did not start (see below); fix what it names and run again.")
    else:
        run.fail(step, f"some of it failed (see below); what was done is recorded, {retry}.")
    run.quote(report)


def step_syndicate(run: Pipeline) -> tuple[int, bool]:
    """Syndicate every live post once: the exit code of ``invoke syndicate``, and whether the
    engine wrote to the state (then the site is rebuilt with the new links)."""
    authors = run.settings.get("AGORA_AUTHORS") or {}
    for sentence in registry.unused_employee_credentials(run.env, authors):
        run.say("syndicate", f"warning: {sentence}")
    try:
        report = syndicate_cli.syndicate_report(run.settings_file, run.env)
    except AgoraError as error:
        _quote_command(run, "syndicate", 2, redact(f"Syndication did not run: {error}"), "")
        return 2, False
    retry = "the next run retries the rest"
    _quote_command(run, "syndicate", report.exit_code, syndicate_cli.render_text(report), retry)
    return report.exit_code, report.changed_state


def step_answers(run: Pipeline) -> tuple[int, bool]:
    """Send the answers the team wrote as files (``invoke answers``), once each: the exit code,
    and whether one was recorded (then the site is rebuilt to show it). Quiet without files."""
    try:
        report = answers_cli.send_answers(run.settings_file, run.env)
    except AgoraError as error:
        _quote_command(run, "answers", 2, redact(f"The answers could not be read: {error}"), "")
        return 2, False
    if not report.lines:
        return 0, False
    retry = "the next run sends the files still there"
    _quote_command(run, "answers", report.exit_code, answers_cli.render(report, False), retry)
    return report.exit_code, report.sent > 0


def step_backfeed(run: Pipeline) -> int:
    """Bring the conversation home; the exit code of ``invoke backfeed``."""
    try:
        configured = bool(configured_networks(run.env))
    except ConfigError:
        configured = True  # the backfeed engine names the setting that is wrong
    if not configured:
        # A blog without networks has no conversation to bring home: nothing failed.
        run.say("backfeed", "skipped: no network is configured")
        return 0
    bar = backfeed_cli.ProgressBar(sys.stderr)
    try:
        report = backfeed_cli.backfeed_report(run.settings_file, run.env, progress=bar)
    except AgoraError as error:
        bar.close()
        _quote_command(run, "backfeed", 2, redact(f"Backfeed did not run: {error}"), "")
        return 2
    bar.close()
    code = 0 if report.ok else 1
    retry = "the next scheduled run goes on"
    _quote_command(run, "backfeed", code, backfeed_cli.render_text(report, False), retry)
    return code


def step_listen(run: Pipeline) -> int:
    """Hear what is said elsewhere (``invoke listen``); its exit code (1: a source is broken)."""
    try:
        heard = listen_cli.listen_report(run.settings_file, run.env)
    except AgoraError as error:
        _quote_command(run, "listen", 2, redact(f"Listening did not run: {error}"), "")
        return 2
    code = 1 if heard.broken else 0
    retry = "the next scheduled run goes on"
    _quote_command(run, "listen", code, listen_cli.render_text(heard), retry)
    return code


def step_people(
    run: Pipeline,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    now: datetime | None = None,
) -> int:
    """Read the fans' profiles due a check and record the accounts they link
    (``syndication.cli.insight.people_report``); 0, or 2 when it could not start. A stranger's
    server that fails is read again at its next check, so it never fails the run."""
    try:
        found = insight_cli.people_report(
            run.settings_file, scheduled=True, now=now, transport=transport
        )
    except AgoraError as error:
        _quote_command(run, "people", 2, redact(f"Linked accounts not looked for: {error}"), "")
        return 2
    _quote_command(run, "people", 0, "\n".join(found.lines), "")
    return 0


def state_paths(run: Pipeline) -> list[str]:
    """What the state commit holds, relative to the repository: the default folders, and the
    state, avatar and answer folders the settings name (``AGORA_STATE_PATH`` moves the state)."""
    named = [
        state_root(run.settings, run.settings_file),
        avatar_store(run.settings, run.settings_file).folder,
        answers_cli.answers_folder(run.settings, run.settings_file),
    ]
    inside = [
        path.resolve().relative_to(run.root).as_posix()
        for path in named
        if path.resolve().is_relative_to(run.root)
    ]
    return [*STATE_PATHS, *inside]


def step_state(run: Pipeline, message: str, *, quiet: bool = False) -> None:
    """Commit the state paths and push them when the repository has a remote."""
    advice = (
        "the state files are kept (in CI, as the run's agora-state artifact): commit them back "
        "before the next run, or that run may post their copies again."
    )
    with failing_as("state", advice):
        if not commit_state(run.root, message, state_paths(run)):
            if not quiet:
                run.say("state", "nothing new to record")
            return
        commit = git(run.root, "rev-parse", "--short", "HEAD").strip()
        if not has_remote(run.root, REMOTE):
            run.say("state", f"committed the state ({commit}); no remote to push it to")
            return
        push(run.root, REMOTE)
    run.say("state", f"committed the state ({commit}) and pushed it to {REMOTE}")


# -- the pipelines ---------------------------------------------------------------------------


def _build_to_deploy(run: Pipeline, message: str) -> int:
    """Build, links, deploy, wait, syndicate, state, and the second deploy; the exit code."""
    step_build(run)
    step_links(run)
    step_deploy(run)
    step_wait(run)
    try:
        code, changed = step_syndicate(run)
        answers_code, answered = step_answers(run)
    finally:
        # Whatever syndication recorded is committed, even when it stopped halfway.
        step_state(run, message)
    changed = changed or answered
    # The command's own 2 ("did not start") is a failed step here: the pipeline did start.
    failed = 1 if code or answers_code else 0
    if not changed:
        run.say("rebuild", "skipped: nothing was recorded, the site is up to date")
        return failed
    step_build(run, "rebuild")
    step_deploy(run, "deploy again")
    return failed


def _run(
    root: Path,
    env: Mapping[str, str] | None,
    stdout: TextIO | None,
    name: str,
    body: Callable[[Pipeline], int],
    *,
    deploying: bool = True,
) -> int:
    """Prepare, run ``body``, and turn a failed step into its line and exit code 1."""
    out = stdout or sys.stdout
    try:
        run = prepare(root, os.environ if env is None else env, out, deploying=deploying)
    except AgoraError as error:
        out.write(shown(f"The {name} pipeline did not start: {error}") + "\n")
        return 2
    try:
        return body(run)
    except StepFailed as failure:
        run.fail(failure.step, failure.message)
        return 1


def check(root: Path, *, env: Mapping[str, str] | None = None, stdout: TextIO | None = None) -> int:
    """Build with production settings and check every link; deploys and posts nothing (a PR)."""

    def body(run: Pipeline) -> int:
        step_build(run, deploying=False)  # drafts stay in output/, for the reviewer to read
        step_links(run)
        return 0

    return _run(root, env, stdout, "check", body, deploying=False)


def publish(
    root: Path, *, env: Mapping[str, str] | None = None, stdout: TextIO | None = None
) -> int:
    """Build, check, deploy, syndicate the new posts, record, rebuild and deploy; the exit code."""
    return _run(
        root, env, stdout, "publish", lambda run: _build_to_deploy(run, "Record syndication")
    )


def refresh(
    root: Path, *, env: Mapping[str, str] | None = None, stdout: TextIO | None = None
) -> int:
    """Backfeed, then publish what is due and record it all (the schedule); the exit code."""

    def body(run: Pipeline) -> int:
        backfed = step_backfeed(run)
        listened = step_listen(run)
        linked = step_people(run)
        message = "Record backfeed and syndication"
        try:
            code = _build_to_deploy(run, message)
        except StepFailed as failure:
            run.fail(failure.step, failure.message)
            if failure.step != "state":
                # What backfeed brought home is kept even when the site could not be rebuilt.
                step_state(run, message, quiet=True)
            return 1
        return 1 if code or backfed or listened or linked else 0

    return _run(root, env, stdout, "refresh", body)
