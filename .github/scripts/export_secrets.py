"""Pass the repository's Agora secrets to the job, in the syntax of ``$GITHUB_ENV``.

A workflow step gives this script every secret as JSON (``SECRETS: ${{ toJSON(secrets) }}``) and
appends its output to ``$GITHUB_ENV``. Every secret whose name starts with ``AGORA_`` or ``AWS_``
is passed on, so an employee's own credentials (``AGORA_BLUESKY_APP_PASSWORD_CAMILLE_TREMBLAY``)
work as soon as the secret exists, with no workflow to edit. Empty secrets are left out, so they
never hide a value from ``.github/agora.env``. Values are written with a random delimiter, the
form GitHub documents for multi-line values
(https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#multiline-strings),
so a value cannot end its own entry and set another variable. GitHub masks every secret in logs.
Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Mapping
from typing import TextIO

PREFIXES = ("AGORA_", "AWS_")


def env_entries(values: Mapping[str, object]) -> str:
    """The ``$GITHUB_ENV`` lines that set every Agora secret of ``values``."""
    lines = []
    for name in sorted(values):
        value = values[name]
        if not name.startswith(PREFIXES) or not isinstance(value, str) or not value:
            continue
        delimiter = f"AGORA_EOF_{secrets.token_hex(16)}"
        while delimiter in value:  # never in practice; but a value must not end its own entry
            delimiter = f"AGORA_EOF_{secrets.token_hex(16)}"
        lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    return "".join(lines)


def main(environ: Mapping[str, str], out: TextIO) -> int:
    """Read ``SECRETS`` from ``environ`` and write the entries to ``out``."""
    try:
        values = json.loads(environ.get("SECRETS", "") or "{}")
    except json.JSONDecodeError:
        print("SECRETS is not JSON: pass ${{ toJSON(secrets) }} to this step.", file=sys.stderr)
        return 2
    out.write(env_entries(values))
    return 0


if __name__ == "__main__":
    sys.exit(main(os.environ, sys.stdout))
