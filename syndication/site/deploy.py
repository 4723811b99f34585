"""Deploy the built site to where readers see it: a folder, a host over SSH, GitHub Pages, S3.

The target is one string, so a fork chooses it with one setting (``AGORA_DEPLOY_TARGET``):

=============================  ==========================================================
target                         deployed with
=============================  ==========================================================
``/srv/www/blog`` or ``./x``   a local folder, replaced all at once (rename), never half-copied
``user@host:/srv/www/blog``    ``rsync -az --delete`` over SSH
``gh-pages`` / ``gh-pages:R``  a commit of the site on top of the ``gh-pages`` branch of remote R
                               (default ``origin``), keeping its ``CNAME``
``s3://bucket/prefix``         ``aws s3 sync --delete`` (``AGORA_S3_ENDPOINT_URL`` for S3-compatible
                               storage)
=============================  ==========================================================

The gh-pages deploy adds one commit per deployment on top of the branch as it is (fetched at depth
1, so the cost does not grow with the history), named after the source commit: the branch reads as
a history of deployments a person can follow, and a push that lost a race is refused instead of
overwriting. A ``CNAME`` file the site does not build itself is carried over from the branch, so a
custom domain set in GitHub's settings (which writes that file) survives every deployment
(https://docs.github.com/en/pages/configuring-a-custom-domain-for-your-github-pages-site).
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
    """Commit ``output`` on top of the ``gh-pages`` branch of ``remote`` and push it."""
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
        previous = _fetch_pages_branch(url, work, env)
        if previous and not (work / "CNAME").exists():
            _keep_custom_domain(work, env)
        _run(["git", "add", "-A"], cwd=work, env=env)
        if previous and _same_tree(work, env):
            return f"the gh-pages branch of {remote} (unchanged)"
        _run(["git", "commit", "-q", "-m", _deploy_message(root)], cwd=work, env=env)
        _run(["git", "push", "-q", url, "gh-pages:gh-pages"], cwd=work, env=env)
    return f"the gh-pages branch of {remote}"


def _fetch_pages_branch(url: str, work: Path, env: dict[str, str]) -> bool:
    """Make the remote's ``gh-pages`` tip the parent of the next commit; False on a first deploy."""
    heads = _run(["git", "ls-remote", "--heads", url, "gh-pages"], cwd=work, env=env)
    if not heads.strip():
        return False
    _run(["git", "fetch", "-q", "--depth=1", url, "gh-pages"], cwd=work, env=env)
    # --soft moves HEAD only: the index stays empty, so the next commit holds exactly the site.
    _run(["git", "reset", "-q", "--soft", "FETCH_HEAD"], cwd=work, env=env)
    return True


def _keep_custom_domain(work: Path, env: dict[str, str]) -> None:
    """Carry the branch's ``CNAME`` (GitHub's custom-domain setting) into the new site."""
    listed = _run(["git", "ls-tree", "--name-only", "HEAD", "CNAME"], cwd=work, env=env)
    if listed.strip():
        (work / "CNAME").write_text(_run(["git", "show", "HEAD:CNAME"], cwd=work, env=env))


def _same_tree(work: Path, env: dict[str, str]) -> bool:
    """Whether the staged site is exactly what the branch already serves."""
    changed = subprocess.run(
        ["git", "diff", "--cached", "--quiet", "HEAD"], cwd=work, env=env, check=False
    )
    return changed.returncode == 0


def _deploy_message(root: Path) -> str:
    """``Deploy 1a2b3c4: <subject>`` from the source repository's HEAD, when there is one."""
    done = subprocess.run(
        ["git", "log", "-1", "--format=%h: %s"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    source = done.stdout.strip()
    return f"Deploy {source}" if done.returncode == 0 and source else "Deploy the site"


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
