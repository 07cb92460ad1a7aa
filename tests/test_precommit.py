"""The pre-commit hook, for real: `pre-commit try-repo` on a throwaway repository."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import base_files, git_init, write_tree

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("pre-commit") is None, reason="pre-commit not installed")


def try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home))
    return subprocess.run(
        ["pre-commit", "try-repo", str(ROOT), "receipt-lint", "--verbose"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_hook_fails_an_illegal_staged_move_and_passes_a_clean_edit(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", base_files("removed"))
    git_init(repo)
    home = tmp_path / "pre-commit-home"
    receipt = repo / "releases/v1.37/removed/2140.yaml"
    receipt.write_text(receipt.read_text().replace("title: Receipts process", "title: Receipts process "))
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    clean = try_repo(repo, home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    subprocess.run(["git", "-C", str(repo), "reset", "-q", "--hard"], check=True)
    (repo / "releases/v1.37/accepted").mkdir()
    subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "mv",
            "releases/v1.37/removed/2140.yaml",
            "releases/v1.37/accepted/2140.yaml",
        ],
        check=True,
    )
    illegal = try_repo(repo, home)
    assert illegal.returncode != 0
    assert "[illegal-transition]" in illegal.stdout
