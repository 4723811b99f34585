"""Deploy the built site to where readers see it: a folder, a host over SSH, GitHub Pages, S3.

The target is one string, so a fork chooses it with one setting (``AGORA_DEPLOY_TARGET``):

=============================  ==========================================================
target                         deployed with
=============================  ==========================================================
``/srv/www/blog`` or ``./x``   a local folder, replaced all at once (rename), never half-copied
``user@host:/srv/www/blog``    ``rsync -az --delete`` over SSH
``gh-pages`` / ``gh-pages:R``  a commit of the site forced to the ``gh-pages`` branch of remote R
                               (default ``origin``)
``s3://bucket/prefix``         ``aws s3 sync --delete`` (``AGORA_S3_ENDPOINT_URL`` for S3-compatible
                               storage)
=============================  ==========================================================
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from syndication.errors import AgoraError, ConfigError
from syndication.secrets import redact


class DeployError(AgoraError):
    """The site could not be deployed; the previous deployment is left as it was."""


SSH_TARGET = re.compile(r"^(?:ssh://)?[\w.-]+@[\w.-]+:.+$")


def _run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command; a failure becomes a DeployError with its last line of output."""
    try:
        done = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=900
        )
    except FileNotFoundError as error:
        message = f"`{command[0]}` is not installed; install it to deploy there."
        raise DeployError(message) from error
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()
        detail = redact(last[-1]) if last else f"exit code {done.returncode}"
        raise DeployError(f"`{' '.join(command[:2])}` failed: {detail}")
    return done.stdout


def deploy_to_folder(output: Path, target: Path) -> Path:
    """Replace ``target`` with a copy of ``output``, switching over with renames."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    shutil.rmtree(staging)
    shutil.copytree(output, staging)
    previous = target.with_name(f".{target.name}.old")
    shutil.rmtree(previous, ignore_errors=True)
    if target.exists():
        target.rename(previous)
    staging.rename(target)
    shutil.rmtree(previous, ignore_errors=True)
    return target


def deploy_with_rsync(output: Path, target: str) -> str:
    """Mirror ``output`` to ``user@host:path`` over SSH."""
    destination = target.removeprefix("ssh://")
    # BatchMode: in CI a missing key must fail at once, not wait for a password prompt.
    ssh = "ssh -o BatchMode=yes -o ConnectTimeout=20"
    _run(["rsync", "-az", "--delete", "-e", ssh, f"{output}/", f"{destination.rstrip('/')}/"])
    return destination


def deploy_to_gh_pages(output: Path, remote: str, root: Path) -> str:
    """Commit ``output`` alone and force it to the ``gh-pages`` branch of ``remote``."""
    url = _run(["git", "remote", "get-url", remote], cwd=root).strip() if remote else ""
    if not url:
        raise ConfigError(f"the git remote {remote!r} is not set; add it or name another one.")
    with tempfile.TemporaryDirectory(prefix="agora-pages-") as folder:
        work = Path(folder) / "site"
        shutil.copytree(output, work)
        (work / ".nojekyll").touch()  # serve folders starting with _ as they are
        env = {**os.environ, "GIT_AUTHOR_NAME": "Agora", "GIT_AUTHOR_EMAIL": "agora@localhost"}
        env |= {"GIT_COMMITTER_NAME": "Agora", "GIT_COMMITTER_EMAIL": "agora@localhost"}
        _run(["git", "init", "-q", "-b", "gh-pages"], cwd=work, env=env)
        _run(["git", "add", "-A"], cwd=work, env=env)
        _run(["git", "commit", "-q", "-m", "Deploy the site"], cwd=work, env=env)
        _run(["git", "push", "-q", "--force", url, "gh-pages:gh-pages"], cwd=work, env=env)
    return f"the gh-pages branch of {remote}"


def deploy_to_s3(output: Path, target: str) -> str:
    """Mirror ``output`` to an S3 (or S3-compatible) bucket with the AWS CLI."""
    command = ["aws", "s3", "sync", "--delete", str(output), target]
    endpoint = os.environ.get("AGORA_S3_ENDPOINT_URL", "")
    if endpoint:
        command += ["--endpoint-url", endpoint]
    _run(command)
    return target


def deploy(output: Path, target: str, root: Path) -> str:
    """Deploy ``output`` to ``target`` (see the module docstring) and say where it went."""
    if not (output / "index.html").exists():
        raise DeployError(f"{output} holds no built site; run `invoke preview` first.")
    target = target.strip()
    if not target:
        raise ConfigError(
            "no deploy target: set AGORA_DEPLOY_TARGET (or --target) to a folder, "
            "user@host:path, gh-pages or s3://bucket."
        )
    if target == "gh-pages" or target.startswith("gh-pages:"):
        return deploy_to_gh_pages(output, target.partition(":")[2] or "origin", root)
    if target.startswith("s3://"):
        return deploy_to_s3(output, target)
    if SSH_TARGET.match(target):
        return deploy_with_rsync(output, target)
    folder = Path(target.removeprefix("file://"))
    return str(deploy_to_folder(output, folder if folder.is_absolute() else root / folder))
