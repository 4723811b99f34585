"""The scheduled workflow builds the month's report, keeps it and sums it up (issue 17)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_refresh_keeps_the_report_and_writes_its_figures_to_the_summary() -> None:
    text = (ROOT / ".github" / "workflows" / "refresh.yml").read_text(encoding="utf-8")
    step = text[text.index("- name: Build the month's impact report") :]
    assert ".venv/bin/invoke report\n" in step
    assert 'cat report/*/summary.md >> "$GITHUB_STEP_SUMMARY"' in step
    assert "continue-on-error: true" in step  # a failing report never fails the refresh
    keep = step[step.index("- name: Keep the impact report") :]
    assert "actions/upload-artifact@v4" in keep and "path: report/" in keep
    assert "steps.report.outcome == 'success'" in keep
