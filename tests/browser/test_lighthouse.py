"""Lighthouse scores 100 in performance, accessibility, best practices and SEO.

On the home page and a post leading with a 6000 px photo of about 3 MB (the fixture blog of
``browser_site.write_content``), with the desktop preset and Lighthouse's default (a throttled
mobile phone), against the real build served on loopback and Debian's Chromium. Lighthouse is
pinned in ``tests/browser/lighthouse/`` (``make browser-deps`` installs it). The JSON and HTML
reports are kept under ``test-artifacts/lighthouse/``.

Accessibility, best practices and SEO are deterministic: one run decides. The performance score is
not: Lighthouse multiplies the main thread's real task times by its CPU slowdown, so a busy or slow
CI machine turns a tiny page's 20 ms style pass into "blocking time". Lighthouse's own advice is to
run it several times and judge the median
(https://github.com/GoogleChrome/lighthouse/blob/main/docs/variability.md), so when performance
misses 100 the page is audited again, up to ``PERFORMANCE_RUNS`` runs, and the median run decides.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from browser_site import CHROMIUM, CHROMIUM_ARGS, ROOT, Site

pytestmark = pytest.mark.browser

LIGHTHOUSE = ROOT / "tests" / "browser" / "lighthouse" / "node_modules" / "lighthouse"
REPORTS = ROOT / "test-artifacts" / "lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
# An odd count, so the median is one real run; 3 halves most of the noise at a third of 5's cost.
PERFORMANCE_RUNS = 3
# Node 22 (which Lighthouse 13 asks for) is installed in .node/ for the Bluesky sandbox.
NODE_CANDIDATES = [ROOT / ".node" / "bin" / "node"]


def _node() -> str:
    """The Node.js to run Lighthouse with: the project's Node 22 if installed, else the PATH's."""
    for candidate in NODE_CANDIDATES:
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("node")
    assert found, "Node.js is missing: run `make test` (it installs Node 22 in .node/)"
    return found


def _run_lighthouse(url: str, preset: str, output: Path) -> dict[str, Any]:
    """Run Lighthouse on ``url`` with ``preset`` and return its JSON report."""
    cli = LIGHTHOUSE / "cli" / "index.js"
    assert cli.is_file(), (
        f"Lighthouse is not installed in {LIGHTHOUSE.parent}: run `make browser-deps`"
    )
    flags = ["--headless=new", *CHROMIUM_ARGS]
    command = [
        _node(),
        str(cli),
        url,
        f"--chrome-path={CHROMIUM}",
        f"--chrome-flags={' '.join(flags)}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        "--output=html",
        f"--output-path={output}",
        "--quiet",
    ]
    if preset == "desktop":
        command.append("--preset=desktop")
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, f"Lighthouse failed on {url}:\n{done.stderr[-3000:]}"
    report: dict[str, Any] = json.loads(output.with_suffix(".report.json").read_text())
    assert not report.get("runtimeError"), f"Lighthouse could not audit {url}: {report}"
    return report


def _failing_audits(report: dict[str, Any], category: str) -> list[str]:
    """The weighted audits of ``category`` that did not score full marks, with what failed."""
    lines = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] == 0 or audit["score"] is None or audit["score"] >= 1:
            continue
        value = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
        lines.append(f"  {audit['id']}: {audit['score']:.2f} {audit['title']}{value}")
        for item in audit.get("details", {}).get("items", [])[:8]:
            node = item.get("node") or {}
            source = item.get("sourceLocation") or {}
            where = node.get("selector") or item.get("url") or source.get("url") or ""
            label = node.get("nodeLabel") or item.get("description") or ""
            if where or label:
                lines.append(f"    - {where} {label}".rstrip())
    return lines


def _scores(report: dict[str, Any]) -> dict[str, int]:
    """Each category's score out of 100; a category Lighthouse could not score counts as 0."""
    return {c: round((report["categories"][c]["score"] or 0) * 100) for c in CATEGORIES}


def _median_run(url: str, preset: str, output: Path, first: dict[str, Any]) -> dict[str, Any]:
    """Audit ``url`` until there are ``PERFORMANCE_RUNS`` reports; return the median one."""
    reports = [first]
    for attempt in range(2, PERFORMANCE_RUNS + 1):
        again = output.with_name(f"{output.name}-run{attempt}")
        reports.append(_run_lighthouse(url, preset, again))
    reports.sort(key=lambda report: _scores(report)["performance"])
    return reports[len(reports) // 2]


@pytest.mark.parametrize("preset", ["desktop", "mobile"])
@pytest.mark.parametrize("page_name", ["home-fr", "post-fr"])
def test_lighthouse_scores_100(site: Site, page_name: str, preset: str) -> None:
    """Every category scores 100 and nothing moves; otherwise what failed is listed."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    url = site.url(site.page(page_name))
    output = REPORTS / f"{page_name}-{preset}"
    report = _run_lighthouse(url, preset, output)
    scores = _scores(report)
    runs = 1
    if scores["performance"] < 100 and all(scores[c] == 100 for c in CATEGORIES[1:]):
        report = _median_run(url, preset, output, report)
        scores, runs = _scores(report), PERFORMANCE_RUNS
    failures = []
    shift = report["audits"]["cumulative-layout-shift"]["numericValue"]
    if shift != 0:
        failures.append(f"layout shift: {shift} (nothing should move while the page loads)")
    for category, score in scores.items():
        if score < 100:
            failures.append(f"{category}: {score}")
            failures += _failing_audits(report, category)
    if failures:
        report_lines = "\n".join(failures)
        median = f" (median of {runs} runs)" if runs > 1 else ""
        pytest.fail(
            f"Lighthouse ({preset}) on {url}{median}: {scores}\n{report_lines}", pytrace=False
        )
