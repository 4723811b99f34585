"""Deploying to a folder and to a gh-pages branch, with real git; a bad target is one sentence."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from syndication.errors import ConfigError
from syndication.site.deploy import DeployError, deploy


def built_site(tmp_path: Path, text: str) -> Path:
    output = tmp_path / "output"
    output.mkdir(exist_ok=True)
    (output / "index.html").write_text(text, encoding="utf-8")
    return output


def test_folder_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "www"
    target.mkdir()
    (target / "stale.html").write_text("old", encoding="utf-8")
    deploy(built_site(tmp_path, "v1"), str(target), root=tmp_path)
    assert (target / "index.html").read_text() == "v1"
    assert not (target / "stale.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output", "www"]  # nothing left over


def test_no_target_and_no_site_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="AGORA_DEPLOY_TARGET"):
        deploy(built_site(tmp_path, "v1"), "", root=tmp_path)
    with pytest.raises(DeployError, match="no built site"):
        deploy(tmp_path / "missing", str(tmp_path / "www"), root=tmp_path)


def test_gh_pages_branch_is_pushed(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "remote", "add", "origin", str(remote)], check=True)
    deploy(built_site(tmp_path, "v2"), "gh-pages", root=repo)
    shown = subprocess.run(
        ["git", "-C", str(remote), "show", "gh-pages:index.html"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout == "v2"
    listed = subprocess.run(
        ["git", "-C", str(remote), "ls-tree", "--name-only", "gh-pages"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ".nojekyll" in listed.stdout.split()


def test_unreachable_ssh_target_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(DeployError, match="rsync"):
        deploy(built_site(tmp_path, "v1"), "nobody@127.0.0.1:/nonexistent/x", root=tmp_path)


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout


def test_gh_pages_keeps_its_custom_domain_and_a_readable_history(tmp_path: Path) -> None:
    """Each deployment is one commit on top of the last, named after its source commit; the
    ``CNAME`` GitHub's custom-domain setting wrote is kept; a site built with its own wins."""
    remote = tmp_path / "remote.git"
    _git("init", "-q", "--bare", str(remote))
    repo = tmp_path / "repo"
    _git("init", "-q", str(repo))
    _git("-C", str(repo), "remote", "add", "origin", str(remote))
    _git(
        "-C", str(repo), "-c", "user.name=Camille", "-c", "user.email=c@example.org",
        "commit", "-q", "--allow-empty", "-m", "Nouveau billet : les freins",
    )  # fmt: skip
    deploy(built_site(tmp_path, "v1"), "gh-pages", root=repo)

    # The owner sets a custom domain in GitHub's settings: GitHub commits a CNAME on the branch.
    clone = tmp_path / "pages"
    _git("clone", "-q", "-b", "gh-pages", str(remote), str(clone))
    (clone / "CNAME").write_text("blog.velosboreal.example\n", encoding="utf-8")
    _git("-C", str(clone), "add", "CNAME")
    _git(
        "-C", str(clone), "-c", "user.name=GitHub", "-c", "user.email=gh@example.org",
        "commit", "-q", "-m", "Create CNAME",
    )  # fmt: skip
    _git("-C", str(clone), "push", "-q", "origin", "gh-pages")

    deploy(built_site(tmp_path, "v2"), "gh-pages", root=repo)
    assert _git("-C", str(remote), "show", "gh-pages:CNAME") == "blog.velosboreal.example\n"
    assert _git("-C", str(remote), "show", "gh-pages:index.html") == "v2"
    history = _git("-C", str(remote), "log", "--format=%s", "gh-pages").splitlines()
    assert history[0].startswith("Deploy ") and history[0].endswith(": Nouveau billet : les freins")
    assert history[1:] == ["Create CNAME", history[0]]

    # The same site again adds nothing; a site that builds its own CNAME replaces the branch's.
    assert deploy(built_site(tmp_path, "v2"), "gh-pages", root=repo).endswith("(unchanged)")
    assert len(_git("-C", str(remote), "log", "--format=%s", "gh-pages").splitlines()) == 3
    output = built_site(tmp_path, "v3")
    (output / "CNAME").write_text("www.velosboreal.example\n", encoding="utf-8")
    deploy(output, "gh-pages", root=repo)
    assert _git("-C", str(remote), "show", "gh-pages:CNAME") == "www.velosboreal.example\n"
    files = _git("-C", str(remote), "ls-tree", "--name-only", "gh-pages").split()
    assert sorted(files) == [".nojekyll", "CNAME", "index.html"]
