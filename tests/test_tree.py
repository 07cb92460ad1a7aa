"""Trees: what reading a checkout, a commit or the index may and may not reach."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from receipt_lint.model.files import MAX_BYTES, MissingFile, TreeError
from receipt_lint.trees import commits, git
from receipt_lint.trees.commits import CommitTree
from receipt_lint.trees.worktree import WorkTree


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "keps/sig-x").mkdir(parents=True)
    (root / "keps/sig-x/kep.yaml").write_text("title: x\n")
    (tmp_path / "outside.yaml").write_text("secret: 1\n")
    return root


def test_reads_a_plain_file(repo: Path) -> None:
    tree = WorkTree(repo)
    assert tree.read("keps/sig-x/kep.yaml") == b"title: x\n"
    assert tree.exists("keps/sig-x/kep.yaml")


def test_follows_no_symlink_inside_the_repository_as_git_cannot(repo: Path) -> None:
    """Design doc section 2: the same verdict in every mode, and git never follows a link."""
    (repo / "keps/link.yaml").symlink_to(repo / "keps/sig-x/kep.yaml")
    (repo / "keps/relative.yaml").symlink_to("sig-x/kep.yaml")
    (repo / "keps/alias").symlink_to("sig-x")
    tree = WorkTree(repo)
    for path in ("keps/link.yaml", "keps/relative.yaml"):
        with pytest.raises(TreeError, match="is a symlink; receipts and KEP files must be regular files"):
            tree.read(path)
        assert tree.exists(path)  # listed, as git lists a link
    with pytest.raises(
        TreeError, match="keps/alias is a symlink: receipt-lint, like git, does not follow it"
    ):
        tree.read("keps/alias/kep.yaml")
    assert not tree.exists("keps/alias/kep.yaml")
    assert tree.files_under("keps/alias") == []


def test_refuses_symlinks_that_lead_outside(repo: Path) -> None:
    (repo / "keps/leak.yaml").symlink_to(repo.parent / "outside.yaml")
    (repo / "keps/chain.yaml").symlink_to("leak.yaml")
    (repo / "keps/sig-out").symlink_to(repo.parent)
    (repo / "keps/sig-x/deeper").symlink_to(repo.parent)
    tree = WorkTree(repo)
    for path in (
        "keps/leak.yaml",
        "keps/chain.yaml",
        "keps/sig-out/outside.yaml",
        "keps/sig-x/deeper/outside.yaml",
    ):
        with pytest.raises(TreeError, match="symlink"):
            tree.read(path)
    assert not tree.exists("keps/sig-out/outside.yaml")


def test_refuses_paths_that_are_not_plain(repo: Path) -> None:
    tree = WorkTree(repo)
    for path in (
        "../outside.yaml",
        "/etc/passwd",
        "keps//sig-x/kep.yaml",
        "",
        "./keps/sig-x/kep.yaml",
        "keps/sig-x/./kep.yaml",
        "keps/sig-x/kep.yaml\0x",
        "keps/a\nb.yaml",
        "keps\\sig-x",
    ):
        with pytest.raises(TreeError, match="not a plain path"):
            tree.read(path)


def test_missing_files_and_folders(repo: Path) -> None:
    tree = WorkTree(repo)
    with pytest.raises(MissingFile, match=r"keps/nope\.yaml does not exist"):
        tree.read("keps/nope.yaml")
    with pytest.raises(MissingFile):
        tree.read("nowhere/at/all.yaml")
    assert not tree.exists("keps/nope.yaml")


def test_refuses_what_is_not_a_small_regular_file(repo: Path) -> None:
    os.mkfifo(repo / "keps/pipe.yaml")  # opening it for reading must not hang
    (repo / "keps/big.yaml").write_bytes(b"a" * (MAX_BYTES + 1))
    tree = WorkTree(repo)
    with pytest.raises(TreeError, match="not a regular file"):
        tree.read("keps/pipe.yaml")
    with pytest.raises(TreeError, match="is a folder, not a file"):  # as git's trees say it
        tree.read("keps/sig-x")
    with pytest.raises(TreeError, match="the limit is"):
        tree.read("keps/big.yaml")
    assert not tree.exists("keps/sig-x")


def test_reads_a_file_of_exactly_the_limit(repo: Path) -> None:
    (repo / "keps/edge.yaml").write_bytes(b"a" * MAX_BYTES)
    assert len(WorkTree(repo).read("keps/edge.yaml")) == MAX_BYTES


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture
def committed(repo: Path) -> tuple[Path, CommitTree]:
    (repo / "releases/v1.37/proposed").mkdir(parents=True)
    (repo / "releases/v1.37/proposed/1.yaml").write_text("kep-number: 1\n")
    (repo / "OWNERS_ALIASES").write_text("aliases: {}\n")
    (repo / "keps/sig-x/huge.yaml").write_bytes(b"a" * (MAX_BYTES + 1))
    (repo / "keps/link.yaml").symlink_to("sig-x/kep.yaml")
    (repo / "keps/sig-link").symlink_to("sig-x")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init")
    git_repo = git.open_repo(repo)
    return repo, commits.CommitTree(git_repo, _git(repo, "rev-parse", "HEAD"))


def test_a_commit_reads_listed_files_folders_and_the_top_level(committed: tuple[Path, CommitTree]) -> None:
    _, tree = committed
    assert tree.files_under("releases") == ["releases/v1.37/proposed/1.yaml"]
    assert tree.read("releases/v1.37/proposed/1.yaml") == b"kep-number: 1\n"
    assert tree.read("keps/sig-x/kep.yaml") == b"title: x\n"
    assert tree.read("OWNERS_ALIASES") == b"aliases: {}\n"
    assert tree.exists("keps/sig-x/kep.yaml")
    assert not tree.exists("keps/sig-x")  # a folder is not a file
    assert not tree.exists("keps/sig-y/kep.yaml")


def test_a_commit_refuses_symlinks_big_blobs_and_odd_paths(committed: tuple[Path, CommitTree]) -> None:
    _, tree = committed
    with pytest.raises(TreeError, match="is a symlink"):
        tree.read("keps/link.yaml")
    with pytest.raises(MissingFile):  # git does not follow a symlinked folder
        tree.read("keps/sig-link/kep.yaml")
    with pytest.raises(TreeError, match="the limit is"):
        tree.read("keps/sig-x/huge.yaml")
    # the cat-file process stayed in step after skipping the big blob
    assert tree.read("keps/sig-x/kep.yaml") == b"title: x\n"
    for path in ("../x", "keps/sig-x/kep.yaml\nHEAD", "/etc/passwd"):
        with pytest.raises(TreeError, match="not a plain path"):
            tree.read(path)
    with pytest.raises(MissingFile):
        tree.read("keps/nothing/here.yaml")


def test_the_index_is_what_is_staged(committed: tuple[Path, CommitTree]) -> None:
    repo, _ = committed
    (repo / "keps/sig-x/kep.yaml").write_text("title: staged\n")
    _git(repo, "add", "keps/sig-x/kep.yaml")
    (repo / "keps/sig-x/kep.yaml").write_text("title: not staged\n")
    index = commits.IndexTree(git.open_repo(repo))
    assert index.read("keps/sig-x/kep.yaml") == b"title: staged\n"
    assert index.files_under("releases") == ["releases/v1.37/proposed/1.yaml"]
    with pytest.raises(TreeError, match="is a symlink"):
        index.read("keps/link.yaml")


def test_revisions_resolve_in_one_go_and_missing_ones_say_how_to_fetch(
    committed: tuple[Path, CommitTree],
) -> None:
    repo, tree = committed
    git_repo = git.open_repo(repo)
    assert git.resolve_commits(git_repo, {"base": "HEAD", "head": tree.label}) == {
        "base": tree.label,
        "head": tree.label,
    }
    with pytest.raises(git.GitError, match="git fetch origin nope"):
        git.resolve_commits(git_repo, {"base": "nope", "head": "HEAD"})
    with pytest.raises(git.GitError, match="is not a git repository"):
        git.resolve_commits(git.open_repo(repo.parent), {"base": "HEAD"})
