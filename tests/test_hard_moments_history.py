"""Issue 20: who made a change, edits in place, shallow clones, two moves in one change, and blame."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from receipt_lint.cli import main
from tests.conftest import EXCEPTION_BLOCK, README, RECEIPT, base_files, write_tree
from tests.test_corners import ACCEPTED, KEP_FILE, commit, main_and_pr
from tests.test_diff import run_json
from tests.test_workflow import exception_request, fingerprint


def git(root: Path, *args: str, name: str = "Ann", date: str = "2026-01-10T12:00:00Z") -> str:
    env = os.environ | {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    command = [
        "git",
        "-c",
        f"user.name={name}",
        "-c",
        f"user.email={name.lower()}@x.invalid",
        "-C",
        str(root),
    ]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, check=True, env=env
    ).stdout.strip()


@pytest.fixture
def merged(tmp_path: Path) -> Path:
    """KEP 2140 proposed on main; bert's pull request #1102 accepts it and edits two receipts; ann merges."""
    files = base_files("proposed")
    files["releases/v1.37/proposed/7.yaml"] = RECEIPT.replace("accepted", "proposed").replace("2140", "7")
    files["releases/v1.37/proposed/8.yaml"] = RECEIPT.replace("accepted", "proposed").replace("2140", "8")
    root = write_tree(tmp_path / "repo", files)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "root")
    git(root, "checkout", "-qb", "bert/accept")
    (root / "releases/v1.37/accepted").mkdir()
    git(root, "mv", "releases/v1.37/proposed/2140.yaml", ACCEPTED)
    (root / ACCEPTED).write_text(RECEIPT)
    for number in (7, 8):
        path = root / f"releases/v1.37/proposed/{number}.yaml"
        path.write_text(path.read_text() + "docs-prs: []\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "accept 2140", name="Bert")
    git(root, "checkout", "-q", "main")
    git(
        root,
        "merge",
        "--no-ff",
        "-q",
        "-m",
        "Merge pull request #1102 from bert/accept",
        "bert/accept",
        name="Ann",
    )
    return root


@pytest.fixture
def shallow(merged: Path, tmp_path: Path) -> Path:
    """A depth-1, single-branch clone of ``merged``, as a default actions/checkout makes."""
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth=1", f"file://{merged}", str(clone)], check=True)
    return clone


def history_json(root: Path) -> dict:  # type: ignore[type-arg]
    out = root.parent / "h.json"
    main(["history", "--repo", str(root), "--format=json", f"--output={out}"])
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def test_the_author_is_who_made_the_pull_request_not_who_merged_it(merged: Path) -> None:
    [move] = [t for t in history_json(merged)["transitions"] if t["pull"] == 1102 and t["to"] == "accepted"]
    assert move["author"] == "Bert <bert@x.invalid>" and move["login"] == "bert"
    assert move["merged_by"] == "Ann <ann@x.invalid>" and move["edit"] is False


def test_edits_in_place_are_marked_and_told_once_per_pull_request(
    merged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edits = [t for t in history_json(merged)["transitions"] if t["edit"]]
    assert sorted(t["kep"] for t in edits) == ["7", "8"]
    capsys.readouterr()
    main(["history", "--repo", str(merged)])
    text = capsys.readouterr().out
    assert "2 receipts edited in place (v1.37 KEP 7, v1.37 KEP 8)" in text
    assert "proposed -> proposed" not in text and "(merged by Ann <ann@x.invalid>)" in text


@pytest.mark.parametrize("argv", [["history"], ["slips"], ["manifest", "--release=v1.37", "--at=HEAD"]])
def test_a_shallow_clone_cannot_tell_its_history(
    shallow: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--repo", str(shallow)]) == 2
    err = capsys.readouterr().err
    assert "shallow" in err and "git fetch --unshallow" in err and err.count("\n") == 1


def test_history_since_a_commit_the_shallow_clone_holds_works(shallow: Path) -> None:
    assert main(["history", "--repo", str(shallow), "--since=HEAD"]) == 0


def test_a_revision_the_clone_lacks_gets_a_fetch_git_accepts(
    shallow: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--repo", str(shallow), "--base", "HEAD~3"]) == 2
    err = capsys.readouterr().err
    assert "git fetch --deepen=100" in err and "git fetch origin HEAD~3" not in err
    assert main(["check", "--repo", str(shallow), "--base", "origin/release-1.37"]) == 2
    assert "git fetch origin release-1.37:refs/remotes/origin/release-1.37" in capsys.readouterr().err


# --- two moves in one change ---------------------------------------------------------------------


def verb(root: Path, *argv: str) -> int:
    os.chdir(root)
    return main([*argv, "--release", "v1.37", "--now=2026-01-20"])


def test_accept_after_an_uncommitted_grant_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = base_files("exception")
    files["releases/v1.37/exception/2140.yaml"] += (
        "exception:\n  freeze: enhancements\n  additional-days: 2\n  reason: r\n"
        "  risks-of-adding: a\n  risks-of-cutting: c\n"
    )
    root = main_and_pr(tmp_path, files)
    assert verb(root, "exception", "accept", "2140") == 0  # exception -> at-risk, not committed
    before = fingerprint(root)
    capsys.readouterr()
    assert verb(root, "accept", "2140") == 1  # the pull request would be exception -> accepted
    err = capsys.readouterr().err
    assert (
        "exception -> accepted" in err and "a pull request of its own" in err and fingerprint(root) == before
    )
    commit(root, {})  # the grant merged first
    assert verb(root, "accept", "2140") == 0


@pytest.mark.parametrize("decision", ["accept", "deny"])
def test_a_decision_before_the_request_is_merged_is_refused(
    tmp_path: Path, decision: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = main_and_pr(tmp_path, base_files("at-risk"))
    os.chdir(root)
    assert main([*exception_request("v1.37", "enhancements"), "--now=2026-01-20"]) == 0
    before = fingerprint(root)
    capsys.readouterr()
    assert verb(root, "exception", decision, "2140") == 1
    err = capsys.readouterr().err
    assert "exception-edited" in err and "a pull request of its own" in err and fingerprint(root) == before
    commit(root, {})  # the request merged
    assert verb(root, "exception", decision, "2140") == 0


def test_an_opt_in_then_accept_in_one_change_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = base_files()
    del files[ACCEPTED]
    root = main_and_pr(tmp_path, files)
    assert verb(root, "promote", "2140", "--stage", "alpha") == 0
    assert verb(root, "accept", "2140") == 1
    assert "(new) -> accepted" in capsys.readouterr().err


# --- blame only what the change changes ----------------------------------------------------------


def test_a_readme_edit_keeps_the_bases_errors_as_warnings(tmp_path: Path) -> None:
    files = base_files()
    files[ACCEPTED] = RECEIPT.replace("stage: alpha", "stage: beta")  # wrong on the base already
    root = main_and_pr(tmp_path, files)
    readme = KEP_FILE.replace("kep.yaml", "README.md")
    commit(root, {readme: README.replace("## Summary", "## Summary\n\nA typo, fixed.") + "\n"})
    code, document = run_json(root, "--base", "main", "--now=2026-01-20")
    [stage] = [d for d in document["diagnostics"] if d["rule"] == "stage-mismatch"]
    assert code == 0 and stage["severity"] == "warning" and "already on the base" in stage["message"]


def test_an_error_the_edit_introduces_stays_an_error(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    kep = (root / KEP_FILE).read_text()
    commit(root, {KEP_FILE: kep.replace("stage: alpha", "stage: beta")})
    code, document = run_json(root, "--base", "main", "--now=2026-01-20")
    [stage] = [d for d in document["diagnostics"] if d["rule"] == "stage-mismatch"]
    assert code == 1 and stage["severity"] == "error" and "already on the base" not in stage["message"]


def test_a_change_to_the_receipt_itself_owns_every_finding(tmp_path: Path) -> None:
    files = base_files()
    files[ACCEPTED] = RECEIPT.replace("stage: alpha", "stage: beta")
    root = main_and_pr(tmp_path, files)
    commit(root, {ACCEPTED: files[ACCEPTED] + "docs-prs: []\n"})
    code, document = run_json(root, "--base", "main", "--now=2026-01-20")
    assert code == 1 and all(
        d["severity"] == "error" for d in document["diagnostics"] if d["rule"] == "stage-mismatch"
    )


# --- from an adversarial review of issue 20 -------------------------------------------------------

BLOCK = EXCEPTION_BLOCK.replace("additional-days: 5", "additional-days: 3")


def test_a_grant_after_an_uncommitted_edit_of_the_request_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = base_files("exception")
    files["releases/v1.37/exception/2140.yaml"] += BLOCK
    root = main_and_pr(tmp_path, files)
    path = root / "releases/v1.37/exception/2140.yaml"
    path.write_text(path.read_text().replace("additional-days: 3", "additional-days: 9"))
    assert verb(root, "exception", "accept", "2140") == 1
    assert "exception-edited" in capsys.readouterr().err


def test_a_return_to_the_state_head_has_is_legal(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)  # accepted in HEAD
    assert verb(root, "accept", "2140", "--at-risk") == 0
    assert verb(root, "accept", "2140") == 0  # the pull request: accepted -> accepted, nothing at all
    assert run_json(root, "--base", "main", "--now=2026-01-20")[0] == 0


def test_a_huge_additional_days_covers_for_good_and_crashes_nothing(tmp_path: Path) -> None:
    files = base_files("at-risk")
    files["releases/v1.37/at-risk/2140.yaml"] += BLOCK.replace("3", "99999999999")
    files["releases/v1.37/schedule.yaml"] = "code-freeze: 2026-03-19\nrelease: 2026-04-22\n"
    root = main_and_pr(tmp_path, files)
    code, document = run_json(root, "--all", "--now=2026-03-25")
    assert code == 0 and "at-risk-after-freeze" not in {d["rule"] for d in document["diagnostics"]}


def test_no_ready_to_accept_beside_an_error_of_any_rule(tmp_path: Path) -> None:
    files = base_files("at-risk")
    files["releases/v1.37/removed/2140.yaml"] = RECEIPT.replace("accepted", "removed")  # a duplicate
    document = run_json(main_and_pr(tmp_path, files), "--all", "--now=2026-01-20")[1]
    rules = {d["rule"] for d in document["diagnostics"]}
    assert "duplicate-receipt" in rules and "ready-to-accept" not in rules


def test_history_text_shows_a_rule_a_legal_move_broke(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = base_files("at-risk")
    files["releases/v1.37/at-risk/2140.yaml"] += BLOCK
    root = main_and_pr(tmp_path, files)
    git(root, "checkout", "-q", "main")
    commit(
        root,
        {"releases/v1.37/at-risk/2140.yaml": files["releases/v1.37/at-risk/2140.yaml"].replace("3", "30")},
    )
    capsys.readouterr()
    main(["history", "--repo", str(root), "--format=markdown"])
    out = capsys.readouterr().out
    assert "ERROR [exception-edited]" in out


def test_a_branch_a_single_branch_clone_lacks_gets_a_refspec(
    shallow: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--repo", str(shallow), "--base", "feature"]) == 2
    assert "git fetch origin feature:refs/remotes/origin/feature" in capsys.readouterr().err
    assert main(["history", "--repo", str(shallow), "--since=HEAD~1"]) == 2
    assert "not in this shallow clone" in capsys.readouterr().err
