"""WorkTree: what a checkout read may and may not reach."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from receipt_lint.loader import MAX_BYTES
from receipt_lint.tree import MissingFile, TreeError, WorkTree


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "keps/sig-x").mkdir(parents=True)
    (root / "keps/sig-x/kep.yaml").write_text("title: x\n")
    (tmp_path / "outside.yaml").write_text("secret: 1\n")
    return root


def test_reads_a_file_and_a_symlink_that_stays_inside(repo: Path) -> None:
    (repo / "keps/link.yaml").symlink_to(repo / "keps/sig-x/kep.yaml")
    (repo / "keps/relative.yaml").symlink_to("sig-x/kep.yaml")
    tree = WorkTree(repo)
    assert tree.read("keps/sig-x/kep.yaml") == b"title: x\n"
    assert tree.read("keps/link.yaml") == b"title: x\n"
    assert tree.read("keps/relative.yaml") == b"title: x\n"
    assert tree.exists("keps/link.yaml")


def test_follows_folder_symlinks_only_while_they_stay_inside(repo: Path) -> None:
    (repo / "keps/alias").symlink_to("sig-x")
    (repo / "keps/sig-x/deeper").symlink_to(repo.parent)
    tree = WorkTree(repo)
    assert tree.read("keps/alias/kep.yaml") == b"title: x\n"
    for path in ("keps/alias/deeper/outside.yaml", "keps/sig-x/deeper/outside.yaml"):
        with pytest.raises(TreeError, match="symlink that leads outside"):
            tree.read(path)


def test_refuses_symlinks_that_lead_outside(repo: Path) -> None:
    (repo / "keps/leak.yaml").symlink_to(repo.parent / "outside.yaml")
    (repo / "keps/chain.yaml").symlink_to("leak.yaml")
    (repo / "keps/sig-out").symlink_to(repo.parent)
    tree = WorkTree(repo)
    for path in ("keps/leak.yaml", "keps/chain.yaml", "keps/sig-out/outside.yaml"):
        with pytest.raises(TreeError, match="symlink that leads outside"):
            tree.read(path)
        assert not tree.exists(path)


def test_refuses_paths_that_are_not_plain(repo: Path) -> None:
    tree = WorkTree(repo)
    for path in ("../outside.yaml", "/etc/passwd", "keps//sig-x/kep.yaml", ""):
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
    with pytest.raises(TreeError, match="not a regular file"):
        tree.read("keps/sig-x")
    with pytest.raises(TreeError, match="the limit is"):
        tree.read("keps/big.yaml")
    assert not tree.exists("keps/sig-x")


def test_reads_a_file_of_exactly_the_limit(repo: Path) -> None:
    (repo / "keps/edge.yaml").write_bytes(b"a" * MAX_BYTES)
    assert len(WorkTree(repo).read("keps/edge.yaml")) == MAX_BYTES
