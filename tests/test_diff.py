"""Diff mode on real throwaway git repositories: each move, and each CI checkout."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from receipt_lint.cli import main
from receipt_lint.model.transitions import AUTHOR_MOVES, LEGAL, TEAM_MOVES, is_legal
from tests.conftest import EXCEPTION_BLOCK, RECEIPT, base_files, git_init, write_tree

STATES = ("proposed", "accepted", "at-risk", "exception", "removed")
NOW = "--now=2026-02-01"


def git(root: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-C", str(root), *args]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def receipt(state: str, stage: str = "alpha") -> str:
    text = RECEIPT.replace("tracking-status: accepted", f"tracking-status: {state}")
    text = text.replace("stage: alpha", f"stage: {stage}")
    return text + (EXCEPTION_BLOCK if state == "exception" else "")


def repo_with(tmp_path: Path, state: str | None) -> Path:
    files = base_files()
    del files["releases/v1.37/accepted/2140.yaml"]
    if state is not None:
        files[f"releases/v1.37/{state}/2140.yaml"] = receipt(state)
    root = write_tree(tmp_path / "repo", files)
    git_init(root)
    git(root, "branch", "-M", "main")
    git(root, "checkout", "-qb", "pr")
    return root


def move(root: Path, old: str | None, new: str | None) -> None:
    if old is not None:
        (root / f"releases/v1.37/{old}/2140.yaml").unlink()
    if new is not None:
        target = root / f"releases/v1.37/{new}/2140.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(receipt(new))


def run_json(root: Path, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    out = root.parent / "out.json"
    code = main(["check", "--repo", str(root), NOW, "--format=json", f"--output={out}", *args])
    return code, json.loads(out.read_text()) if out.exists() else {}


def rules_of(document: dict) -> set[str]:  # type: ignore[type-arg]
    return {d["rule"] for d in document["diagnostics"]}


def test_the_table_is_exhaustive_and_matches_the_design() -> None:
    assert AUTHOR_MOVES.isdisjoint(TEAM_MOVES)
    expected_legal = {
        (None, "proposed"),
        (None, "exception"),
        ("proposed", "accepted"),
        ("proposed", "at-risk"),
        ("proposed", "removed"),
        ("accepted", "at-risk"),
        ("accepted", "removed"),
        ("at-risk", "accepted"),
        ("at-risk", "exception"),
        ("at-risk", "removed"),
        ("exception", "at-risk"),
        ("exception", "removed"),
        ("removed", "exception"),
    }
    assert expected_legal == LEGAL
    for origin in (None, *STATES):
        for target in STATES:
            assert is_legal(origin, target) == (origin == target or (origin, target) in expected_legal)


MOVES = [(origin, target) for origin in (None, *STATES) for target in STATES if origin != target]


@pytest.mark.parametrize(("origin", "target"), MOVES)
def test_every_move_is_judged_by_the_table(tmp_path: Path, origin: str | None, target: str) -> None:
    root = repo_with(tmp_path, origin)
    move(root, origin, target)
    code, document = run_json(root, "--base", "main")
    [transition] = document["transitions"]
    legal = (origin, target) in LEGAL
    assert transition == {
        "release": "v1.37",
        "kep": "2140",
        "from": origin,
        "to": target,
        "path": f"releases/v1.37/{target}/2140.yaml",
        "legal": legal,
    }
    assert ("illegal-transition" in rules_of(document)) is not legal


def test_a_committed_move_with_head(tmp_path: Path) -> None:
    root = repo_with(tmp_path, "proposed")
    (root / "releases/v1.37/removed").mkdir()
    git(root, "mv", "releases/v1.37/proposed/2140.yaml", "releases/v1.37/removed/2140.yaml")
    git(root, "commit", "-qm", "remove")
    (root / "releases/v1.37/removed/2140.yaml").write_text(receipt("removed"))  # uncommitted fix
    code, document = run_json(root, "--base", "main", "--head", "HEAD")
    assert document["head"] == git(root, "rev-parse", "HEAD")
    assert rules_of(document) == {"status-mismatch"}  # the committed file still says proposed
    assert code == 1


def test_a_move_that_rewrites_most_of_the_file_is_still_a_move(tmp_path: Path) -> None:
    root = repo_with(tmp_path, "at-risk")
    (root / "releases/v1.37/at-risk/2140.yaml").unlink()
    rewritten = (
        "# accepted after review\nstage: alpha\ntracking-status: accepted\n"
        "path: sig-architecture/2140-receipts\nowning-sig: sig-architecture\n"
        "kep-number: 2140\ntitle: Receipts process\n"
        "implementation-prs:\n  - https://github.com/kubernetes/kubernetes/pull/1\n"
    )
    (root / "releases/v1.37/accepted").mkdir(parents=True)
    (root / "releases/v1.37/accepted/2140.yaml").write_text(rewritten)
    code, document = run_json(root, "--base", "main")
    assert [(t["from"], t["to"]) for t in document["transitions"]] == [("at-risk", "accepted")]
    assert code == 0


def test_changes_on_the_base_branch_after_the_fork_are_not_blamed(tmp_path: Path) -> None:
    root = repo_with(tmp_path, "proposed")
    git(root, "checkout", "-q", "main")
    (root / "releases/v1.37/proposed/2140.yaml").unlink()  # an illegal deletion, on main
    git(root, "commit", "-qam", "main moves on")
    git(root, "checkout", "-q", "pr")
    (root / "README.md").write_text("docs\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "unrelated")
    code, document = run_json(root, "--base", "main")
    assert document["transitions"] == [] and document["diagnostics"] == [] and code == 0


def test_a_copy_into_a_second_state(tmp_path: Path) -> None:
    root = repo_with(tmp_path, "proposed")
    move(root, None, "accepted")
    code, document = run_json(root, "--base", "main")
    assert [(t["from"], t["to"]) for t in document["transitions"]] == [(None, "accepted")]
    assert {"duplicate-receipt", "illegal-transition"} <= rules_of(document)
    duplicates = [d["path"] for d in document["diagnostics"] if d["rule"] == "duplicate-receipt"]
    assert duplicates == ["releases/v1.37/accepted/2140.yaml"]


def test_a_deletion(tmp_path: Path) -> None:
    root = repo_with(tmp_path, "accepted")
    move(root, "accepted", None)
    code, document = run_json(root, "--base", "main")
    assert document["transitions"] == [
        {
            "release": "v1.37",
            "kep": "2140",
            "from": "accepted",
            "to": None,
            "path": "releases/v1.37/accepted/2140.yaml",
            "legal": False,
        }
    ]
    assert rules_of(document) == {"receipt-deleted"} and code == 1


def test_a_move_to_another_release_is_one_transition(tmp_path: Path) -> None:
    root = repo_with(tmp_path, "accepted")
    write_tree(root, {"releases/v1.38/OWNERS": "approvers: [lead]\n"})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "v1.38")
    move(root, "accepted", None)
    write_tree(root, {"releases/v1.38/proposed/2140.yaml": receipt("proposed")})
    code, document = run_json(root, "--base", "main")
    [transition] = document["transitions"]
    assert (transition["release"], transition["from"], transition["to"]) == ("v1.38", "accepted", "proposed")
    assert "release-changed" in rules_of(document) and "receipt-deleted" not in rules_of(document)


def test_a_stage_change_is_legal_only_while_proposed(tmp_path: Path) -> None:
    for state, expected in (("proposed", set()), ("accepted", {"illegal-transition"})):
        root = repo_with(tmp_path / state, state)
        (root / f"releases/v1.37/{state}/2140.yaml").write_text(receipt(state, stage="beta"))
        kep = root / "keps/sig-architecture/2140-receipts/kep.yaml"
        kep.write_text(kep.read_text().replace("stage: alpha", "stage: beta").replace("alpha: ", "beta: "))
        prr = root / "keps/prod-readiness/sig-architecture/2140.yaml"
        prr.write_text(prr.read_text().replace("alpha:", "beta:"))
        code, document = run_json(root, "--base", "main")
        assert rules_of(document) == expected, state


def test_editing_kep_yaml_alone_checks_the_receipts_of_that_kep(tmp_path: Path) -> None:
    root = repo_with(tmp_path, "accepted")
    kep = root / "keps/sig-architecture/2140-receipts/kep.yaml"
    kep.write_text(kep.read_text().replace("stage: alpha", "stage: beta"))
    code, document = run_json(root, "--base", "main")
    assert document["transitions"] == []
    assert rules_of(document) == {"stage-mismatch"} and code == 1
    assert document["summary"]["receipts_checked"] == 1


def test_staged_and_working_tree_heads(tmp_path: Path) -> None:
    root = repo_with(tmp_path, "proposed")
    move(root, "proposed", "exception")  # untracked, unstaged: an exception request
    code, document = run_json(root, "--base", "main")
    assert [(t["from"], t["to"]) for t in document["transitions"]] == [("proposed", "exception")]
    assert document["head"] == "WORKTREE"
    code, document = run_json(root, "--base", "main", "--staged")
    assert document["transitions"] == [] and document["head"] == "INDEX"
    git(root, "add", "-A")
    code, document = run_json(root, "--base", "main", "--staged")
    assert [(t["from"], t["legal"]) for t in document["transitions"]] == [("proposed", False)]


def test_opt_in_after_the_freeze_and_a_closed_release(tmp_path: Path) -> None:
    root = repo_with(tmp_path, None)
    git(root, "checkout", "-q", "main")  # the base's schedule judges the change
    write_tree(root, {"releases/v1.37/schedule.yaml": "prr-freeze: 2026-01-15\nrelease: 2026-04-22\n"})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "schedule")
    git(root, "checkout", "-q", "-B", "pr")
    move(root, None, "proposed")
    code, document = run_json(root, "--base", "main")
    assert "opt-in-after-freeze" in rules_of(document)
    code, document = run_json(root, "--base", "main", "--now=2026-05-01")
    assert "release-closed" in rules_of(document)


def test_team_moves_by_outsiders_name_who_must_approve(tmp_path: Path) -> None:
    root = repo_with(tmp_path, "proposed")
    move(root, "proposed", "accepted")
    code, document = run_json(root, "--base", "main", "--author", "someone")
    [warning] = [d for d in document["diagnostics"] if d["rule"] == "team-approval"]
    assert warning["severity"] == "warning" and warning["message"].endswith("needs approval from lead")
    code, document = run_json(root, "--base", "main", "--author", "@Lead")
    assert "team-approval" not in rules_of(document)


def test_prow_merge_commit_head_with_pull_base_sha(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = repo_with(tmp_path, "proposed")
    base_sha = git(root, "rev-parse", "main")
    move(root, "proposed", "exception")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "request an exception (illegal from proposed)")
    git(root, "checkout", "-q", "main")
    git(root, "merge", "--no-ff", "-q", "-m", "merge pr", "pr")
    monkeypatch.setenv("PULL_BASE_SHA", base_sha)
    monkeypatch.setenv("JOB_SPEC", json.dumps({"refs": {"pulls": [{"author": "kep-author"}]}}))
    code, document = run_json(root, "--head", "HEAD")
    assert document["base"] == base_sha
    assert "illegal-transition" in rules_of(document) and code == 1


def test_github_clone_with_origin_and_event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    upstream = repo_with(tmp_path / "up", "proposed")
    git(upstream, "checkout", "-q", "main")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(upstream), str(clone)], check=True)
    git(clone, "checkout", "-qb", "pr")
    move(clone, "proposed", "accepted")
    git(clone, "add", "-A")
    git(clone, "commit", "-qm", "accept")
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "pull_request": {
                    "base": {"sha": git(clone, "rev-parse", "origin/main")},
                    "user": {"login": "outsider"},
                }
            }
        )
    )
    monkeypatch.delenv("PULL_BASE_SHA", raising=False)
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    code, document = run_json(clone, "--head", "HEAD")
    assert [(t["from"], t["to"]) for t in document["transitions"]] == [("proposed", "accepted")]
    assert rules_of(document) == {"team-approval"} and code == 0
    monkeypatch.delenv("GITHUB_EVENT_PATH")
    code, document = run_json(clone, "--head", "HEAD")  # falls back to origin/HEAD
    assert document["base"] == git(clone, "rev-parse", "origin/main")


def test_a_shallow_clone_says_how_to_fetch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    upstream = repo_with(tmp_path / "up", "proposed")
    move(upstream, "proposed", "accepted")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-qm", "accept")
    base_sha = git(upstream, "rev-parse", "main")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth=1", "--branch=pr", f"file://{upstream}", str(clone)], check=True
    )
    assert main(["check", "--repo", str(clone), "--base", base_sha, "--head", "HEAD"]) == 2
    error = capsys.readouterr().err
    assert "git fetch" in error and error.count("\n") == 1
    git(clone, "fetch", "-q", "--depth=1", "origin", base_sha)
    assert main(["check", "--repo", str(clone), "--base", base_sha, "--head", "HEAD"]) == 2
    assert "--unshallow" in capsys.readouterr().err
    git(clone, "fetch", "-q", "--unshallow")
    assert main(["check", "--repo", str(clone), NOW, "--base", base_sha, "--head", "HEAD"]) == 0


def test_no_base_available_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PULL_BASE_SHA", "GITHUB_EVENT_PATH", "GITHUB_BASE_REF"):
        monkeypatch.delenv(name, raising=False)
    root = repo_with(tmp_path, "proposed")
    os.chdir(root)
    assert main(["check"]) == 2
    assert "--base" in capsys.readouterr().err


def test_file_arguments_filter_the_diff_report(tmp_path: Path) -> None:
    root = repo_with(tmp_path, "proposed")
    move(root, "proposed", "exception")
    os.chdir(root)
    assert main(["check", NOW, "--base", "main", "releases/v1.37/OWNERS"]) == 0
    assert main(["check", NOW, "--base", "main", "releases/v1.37/exception/2140.yaml"]) == 1
