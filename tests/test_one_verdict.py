"""Issue 18.6: one verdict in every mode."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from receipt_lint.cli import main
from tests.conftest import README, RECEIPT, base_files, write_tree
from tests.test_corners import ACCEPTED, commit, git, main_and_pr
from tests.test_diff import run_json

README_FILE = "keps/sig-architecture/2140-receipts/README.md"


def errors_of(document: dict) -> set[tuple[str, str, int | None]]:  # type: ignore[type-arg]
    return {(d["rule"], d["path"], d["line"]) for d in document["diagnostics"] if d["severity"] == "error"}


def test_all_checks_the_tree_that_head_or_staged_names(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    broken = RECEIPT.replace("stage: alpha", "stage: beta")
    (root / ACCEPTED).write_text(broken)  # only in the working tree
    assert run_json(root, "--all")[0] == 1
    assert run_json(root, "--all", "--head", "HEAD")[0] == 0
    assert run_json(root, "--all", "--staged")[0] == 0
    git(root, "add", ACCEPTED)  # now staged, not committed
    assert run_json(root, "--all", "--staged")[0] == 1
    assert run_json(root, "--all", "--head", "HEAD")[0] == 0
    commit(root, {})
    code, document = run_json(root, "--all", "--head", "HEAD~1")
    assert code == 0 and document["head"] != "WORKTREE"


@pytest.mark.parametrize("extra", [["--all"], ["--base", "main"]])
def test_an_empty_head_is_a_bad_argument(
    tmp_path: Path, extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    root = main_and_pr(tmp_path)
    assert main(["check", "--repo", str(root), "--head", "", *extra]) == 2
    assert "--head is empty" in capsys.readouterr().err


def test_a_head_that_names_no_commit_is_a_bad_argument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = main_and_pr(tmp_path)
    assert main(["check", "--repo", str(root), "--all", "--head", "no-such-rev"]) == 2
    assert "no-such-rev" in capsys.readouterr().err


def test_a_readme_that_is_a_folder_is_one_finding_in_every_mode(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    (root / README_FILE).unlink()
    commit(root, {f"{README_FILE}/inside.md": README, ACCEPTED: RECEIPT + "docs-prs: []\n"})
    seen = {}
    for mode in (
        ["--all"],
        ["--all", "--staged"],
        ["--all", "--head", "HEAD"],
        ["--base", "main"],
        ["--base", "main", "--staged"],
        ["--base", "main", "--head", "HEAD"],
    ):
        code, document = run_json(root, *mode)
        readme = frozenset(e for e in errors_of(document) if e[0] == "kep-readme")
        seen[" ".join(mode)] = (code, readme)
    assert set(seen.values()) == {(1, frozenset({("kep-readme", README_FILE, 1)}))}, seen


def test_all_in_a_folder_that_is_not_a_git_checkout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = write_tree(tmp_path / "plain", base_files())
    os.chdir(plain)
    assert main(["check", "--all", "--now=2026-01-20"]) == 0
    (plain / ACCEPTED).write_text(RECEIPT.replace("stage: alpha", "stage: beta"))
    assert main(["check", "--all", "--now=2026-01-20"]) == 1
    assert "stage-mismatch" in capsys.readouterr().out
    assert main(["check", "--now=2026-01-20"]) == 2  # a change needs git
    assert "not inside a git repository" in capsys.readouterr().err


def test_the_verify_script_and_check_take_the_base_in_one_order() -> None:
    script = (Path(__file__).resolve().parent.parent / "hack/verify-receipts.sh").read_text()
    assert "upstream/master" not in script.split("main() {")[1]  # no order of its own
    assert 'exec "${LINT}" check "$@"' in script
