"""Every `invoke` command a workflow runs names a task of tasks.py and options that task takes.

A workflow calling a task or an option that does not exist fails only on GitHub, after a push;
this reads the workflows and the real task collection instead.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import pytest
from invoke.collection import Collection

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
INVOKE = re.compile(r"\.venv/bin/invoke\s+([^>|&;\n]+)")


def task_collection() -> Collection:
    """The tasks of the project's tasks.py, loaded as invoke loads them."""
    spec = importlib.util.spec_from_file_location("agora_tasks_under_test", ROOT / "tasks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return Collection.from_module(module)


def invocations() -> list[tuple[str, list[str]]]:
    """Each workflow file with the words of one `invoke` command it runs."""
    found = []
    for workflow in sorted(WORKFLOWS.glob("*.yml")):
        for match in INVOKE.finditer(workflow.read_text(encoding="utf-8")):
            found.append((workflow.name, shlex.split(match.group(1))))
    return found


def test_the_workflows_run_the_pipeline_tasks() -> None:
    called = {(name, words[0]) for name, words in invocations()}
    assert {
        ("publish.yml", "pipeline"),
        ("refresh.yml", "refresh"),
        ("pull-request.yml", "check"),
    } <= called


@pytest.mark.parametrize(("workflow", "words"), invocations())
def test_a_workflow_runs_only_tasks_and_options_that_exist(workflow: str, words: list[str]) -> None:
    tasks = task_collection()
    name, *options = words
    assert name in tasks.task_names, f"{workflow} runs `invoke {name}`, which is not a task"
    accepted = {f"--{flag}" for argument in tasks[name].get_arguments() for flag in argument.names}
    unknown = [word for word in options if word.startswith("--") and word not in accepted]
    assert not unknown, f"{workflow}: `invoke {name}` takes no {', '.join(unknown)}"
