"""The recorded Mastodon responses of ``fixtures/`` (see its README), read for the tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED_BASE = "http://localhost:3000"  # where Mastodon.py recorded them


def recorded(name: str) -> dict[str, Any]:
    """One recording: ``source``, ``request``, ``status``, ``body`` and maybe ``link``."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def body(name: str) -> Any:
    """The recorded response body, as a fresh copy a test may change."""
    return copy.deepcopy(recorded(name)["body"])
