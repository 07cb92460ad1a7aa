"""`receipt-lint board`: the release's GitHub Project made to agree with the receipts (design doc section 11).

Against the fake GitHub, whose Projects are stateful: a test applies a plan and reads the
board back.  Every query and mutation is validated against GitHub's published schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from receipt_lint.cli import main
from tests.conftest import EXCEPTION_BLOCK
from tests.fake_github import FakeGitHub
from tests.fake_projects import FIELDS
from tests.github_trees import kep_files, release_tree

ENHANCEMENTS = "kubernetes/enhancements"
BEFORE_CODE = "--now=2026-03-01T00:00:00Z"  # enhancements freeze passed, code freeze ahead
STATES = ("accepted", "at-risk", "proposed", "removed", "exception")


def board(root: Path, *extra: str) -> list[str]:
    return [
        "board",
        "--repo",
        str(root),
        "--release",
        "v1.37",
        "--project",
        "kubernetes/264",
        BEFORE_CODE,
        *extra,
    ]


def run_json(capsys: pytest.CaptureFixture[str], args: list[str], code: int) -> dict[str, Any]:
    assert main([*args, "--format", "json"]) == code, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def release(tmp_path: Path, github: FakeGitHub, count: int) -> Path:
    """``count`` KEPs in states taken in turn, their issues, a project, the labels and the milestone."""
    keps = []
    for n in range(count):
        state = STATES[n % len(STATES)]
        keps.append(kep_files(3000 + n, state, exception=EXCEPTION_BLOCK if state == "exception" else ""))
        github.add_issue(ENHANCEMENTS, 3000 + n, labels=("lead-opted-in", "stage/beta"))
    github.board.add_project("kubernetes", 264, "v1.37 Release Tracking")
    github.board.labels[ENHANCEMENTS] = {
        "lead-opted-in",
        "tracked/yes",
        "tracked/no",
        "stage/alpha",
        "stage/beta",
    }
    github.board.milestones[ENHANCEMENTS] = ["v1.36", "v1.37"]
    return release_tree(tmp_path / "repo", *keps)


def test_a_release_of_100_receipts_is_planned_applied_and_then_plans_nothing(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 100)
    note = github.board.add_item(
        "kubernetes", 264, (ENHANCEMENTS, 3000), PRR="Needs review", Status="Deferred"
    )
    github.board.add_item("kubernetes", 264, "a draft: ask SIG Node about the demo")
    planned = run_json(capsys, board(root), code=1)
    assert not planned["applied"] and github.board.mutations == []  # a dry run writes nothing
    added = [c for c in planned["plan"] if c["field"] == "item"]
    assert len(added) == 99  # KEP 3000 is on the board already
    first = [c for c in planned["plan"] if c["kep"] == "3001"]
    assert first[0] == {"kep": "3001", "item": None, "field": "item", "from": None, "to": "added"}
    assert {c["field"]: c["to"] for c in first[1:]} == {
        "Stage": "Alpha", "SIG": "SIG Architecture", "Type": "Net New", "Status": "At Risk for Code Freeze",
    }  # fmt: skip
    assert {c["field"]: (c["from"], c["to"]) for c in planned["plan"] if c["kep"] == "3000"}["Status"] == (
        "Deferred",
        "Tracked for Code Freeze",
    )
    assert planned["untracked_items"] == ["draft: a draft: ask SIG Node about the demo"]
    applied = run_json(capsys, board(root, "--apply"), code=0)
    assert applied["applied"] and applied["plan"] == []
    assert github.board.item_values("kubernetes", 264, 3000) == {
        "PRR": "Needs review",  # a field the tool does not own: untouched
        "Status": "Tracked for Code Freeze", "Stage": "Alpha", "SIG": "SIG Architecture", "Type": "Net New",
    }  # fmt: skip
    assert note  # the item with people's values is the same item, not a new one
    assert len(github.board.projects[("kubernetes", 264)]["items"]) == 101  # nothing removed
    writes = len(github.board.mutations)
    assert run_json(capsys, board(root), code=0)["plan"] == []  # a second run plans nothing
    assert len(github.board.mutations) == writes


def test_the_status_follows_state_freeze_and_exception(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 5)
    (root / "releases/v1.37/at-risk/3001.yaml").write_text(
        (root / "releases/v1.37/at-risk/3001.yaml").read_text() + EXCEPTION_BLOCK
    )  # a granted exception for code freeze, 5 days
    assert _statuses(capsys, board(root)) == {
        "3000": "Tracked for Code Freeze",  # the next freeze not yet passed
        "3001": "Exception Approved",  # granted (a block outside exception/), its deadline ahead
        "3002": "At Risk for Code Freeze",  # proposed
        "3003": "Removed From Milestone",
        "3004": "Exception Pending",
    }
    after = _statuses(capsys, [*board(root)[:-1], "--now=2026-03-20T00:00:00Z"])  # code freeze passed
    assert after["3000"] == "Tracked for Docs Freeze" and after["3001"] == "Exception Approved"
    late = _statuses(capsys, [*board(root)[:-1], "--now=2026-03-25T00:00:00Z"])  # and its 5 days
    assert late["3001"] == "At Risk for Docs Freeze"


def _statuses(capsys: pytest.CaptureFixture[str], args: list[str]) -> dict[str, str]:
    return {c["kep"]: c["to"] for c in run_json(capsys, args, code=1)["plan"] if c["field"] == "Status"}


def _without_exception_pending(github: FakeGitHub) -> None:
    """The project again, its Status field lacking the option a pending exception needs."""
    fields = {**FIELDS, "Status": tuple(o for o in FIELDS["Status"] if o != "Exception Pending")}
    github.board.add_project("kubernetes", 264, "v1.37 Release Tracking", fields)


def test_a_missing_option_is_named_and_nothing_is_written(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 5)
    _without_exception_pending(github)
    assert main(board(root, "--apply")) == 2
    err = capsys.readouterr().err
    assert "Status has no option for Exception Pending (its options: Tracked for Enhancements Freeze," in err
    assert err.endswith("nothing was written\n") and err.count("\n") == 1
    assert github.board.mutations == []


def test_a_missing_field_is_named_with_the_fields_the_project_has(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 2)
    github.board.add_project("kubernetes", 264, "v1.37", {k: v for k, v in FIELDS.items() if k != "Type"})
    assert main(board(root)) == 2
    assert "has no single-select field Type (its single-select fields: PRR, SIG, Stage, Status)" in (
        capsys.readouterr().err
    )


def test_labels_and_milestone_follow_the_receipts(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 5)
    github.issues[(ENHANCEMENTS, 3003)]["labels"] = [
        "lead-opted-in",
        "tracked/yes",
        "stage/alpha",
        "kind/feature",
    ]
    github.issues[(ENHANCEMENTS, 3003)]["milestone"] = "v1.37"
    planned = {c["kep"]: c for c in run_json(capsys, board(root, "--labels"), code=1)["labels"]}
    assert planned["3000"] == {
        "kep": "3000", "add": ["stage/alpha", "tracked/yes"], "remove": ["stage/beta"],
        "milestone": {"from": None, "to": "v1.37"},
    }  # fmt: skip
    # removed: tracked/no, the milestone cleared; lead-opted-in and kind/feature stay
    assert planned["3003"] == {
        "kep": "3003", "add": ["tracked/no"], "remove": ["tracked/yes"],
        "milestone": {"from": "v1.37", "to": None},
    }  # fmt: skip
    assert run_json(capsys, board(root, "--labels", "--apply"), code=0)["labels"] == []
    assert github.issues[(ENHANCEMENTS, 3003)]["labels"] == [
        "kind/feature",
        "lead-opted-in",
        "stage/alpha",
        "tracked/no",
    ]
    assert github.issues[(ENHANCEMENTS, 3003)]["milestone"] is None
    assert github.issues[(ENHANCEMENTS, 3000)]["milestone"] == "v1.37"


def test_a_label_the_repository_lacks_stops_everything(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 2)
    github.board.labels[ENHANCEMENTS].discard("tracked/yes")
    assert main(board(root, "--labels", "--apply")) == 2
    assert "kubernetes/enhancements has no label tracked/yes: create it: nothing was written" in (
        capsys.readouterr().err
    )
    assert github.board.mutations == []


def test_a_token_without_project_write_access_says_so(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 2)
    github.board.writable = False
    assert main(board(root, "--apply")) == 2
    err = capsys.readouterr().err
    assert (
        "GitHub refused KEP 3000: the item (FORBIDDEN: Resource not accessible by personal access token)"
        in err
    )
    assert err.endswith("; nothing was written\n")
    assert "the token needs write access to the project" in err and "not the Actions GITHUB_TOKEN" in err


def test_text_output_and_bad_arguments(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 2)
    assert main(board(root)) == 1
    out = capsys.readouterr().out
    assert (
        "  KEP 3000: add to the board; Stage -> Alpha; SIG -> SIG Architecture; Type -> Net New; "
        "Status -> Tracked for Code Freeze\n"
    ) in out
    assert "The board differs: 10 changes; run with --apply to write them" in out
    url = "https://github.com/orgs/kubernetes/projects/264/views/1"  # as copied from the browser
    assert main([*board(root)[:-3], "--project", url, BEFORE_CODE]) == 1
    capsys.readouterr()
    assert main([*board(root)[:-3], "--project", "kubernetes", BEFORE_CODE]) == 2
    assert '--project "kubernetes": give OWNER/NUMBER' in capsys.readouterr().err
    assert main([*board(root)[:-3], "--project", "kubernetes/999", BEFORE_CODE]) == 2
    assert "project kubernetes/999: NOT_FOUND" in capsys.readouterr().err


# From an adversarial review of issue 22: each case it found, as it found it.


def test_a_kep_with_no_enhancement_issue_keeps_the_run_from_agreeing(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 3)
    del github.issues[(ENHANCEMENTS, 3001)]
    assert run_json(capsys, board(root, "--apply"), code=1)["missing_issues"] == [f"{ENHANCEMENTS}#3001"]
    assert main(board(root)) == 1
    assert "agrees" not in capsys.readouterr().out
    assert main([*board(root), "--issues-repo", "kubernetes/enhancments"]) == 2  # a typo: nothing is synced
    assert "kubernetes/enhancments: NOT_FOUND" in capsys.readouterr().err


def test_a_broken_schedule_stops_the_run(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 2)
    (root / "releases/v1.37/schedule.yaml").write_text("code-freeze: tomorrow\n")
    assert main(board(root, "--apply")) == 2
    assert "releases/v1.37/schedule.yaml cannot be read" in capsys.readouterr().err
    assert github.board.mutations == []


def test_a_kep_whose_type_cannot_be_told_does_not_block_the_board(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 3)
    (root / "keps/sig-architecture/3001-receipts/kep.yaml").unlink()
    document = run_json(capsys, board(root, "--apply"), code=1)  # the question stays open: exit 1
    assert document["notes"] == [
        "KEP 3001: its Type cannot be told: its kep.yaml cannot be read, or its milestone.alpha is not "
        "one release (receipt-lint check --all says which): left as it is"
    ]
    assert "Type" not in github.board.item_values("kubernetes", 264, 3001)
    assert github.board.item_values("kubernetes", 264, 3000)["Type"] == "Net New"


def test_an_invalid_receipt_is_named_not_called_untracked(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 2)
    github.board.add_item("kubernetes", 264, (ENHANCEMENTS, 3001), Status="At Risk for Code Freeze")
    receipt = root / "releases/v1.37/at-risk/3001.yaml"
    receipt.write_text(receipt.read_text() + "bogus: 1\n")
    document = run_json(capsys, board(root), code=1)
    assert document["untracked_items"] == []
    assert document["notes"] == [
        "releases/v1.37/at-risk/3001.yaml is not a valid receipt: run receipt-lint check --all"
    ]


def test_a_write_that_fails_half_way_says_how_much_was_made(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 30)
    github.board.fail_after = 34  # 30 items added, then 4 of the first 20 field updates
    assert main(board(root, "--apply")) == 2
    err = capsys.readouterr().err
    assert "GitHub refused KEP 3001: Stage (Something went wrong while executing your query.)" in err
    assert "34 changes had been made: run it again to finish" in err
    assert "write access" not in err  # not a permission: no advice about the token


def test_a_removed_kep_that_moved_on_keeps_its_new_releases_labels(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 5)
    github.issues[(ENHANCEMENTS, 3003)]["milestone"] = "v1.38"  # removed here, opted in to v1.38
    document = run_json(capsys, board(root, "--labels"), code=1)
    assert "3003" not in {change["kep"] for change in document["labels"]}
    assert "KEP 3003: removed here, its issue is in milestone v1.38: labels left" in document["notes"]


def test_a_dry_run_checks_that_the_labels_exist(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 2)
    github.board.labels[ENHANCEMENTS].discard("tracked/yes")
    assert main(board(root, "--labels")) == 2
    assert "has no label tracked/yes" in capsys.readouterr().err


def test_field_names_match_as_options_do_and_pull_requests_are_named(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 2)
    github.board.add_project("kubernetes", 264, "v1.37", {k.lower(): v for k, v in FIELDS.items()})
    github.board.pull_titles[("kubernetes/kubernetes", 7)] = "KEP-3000: part one"
    github.board.add_item("kubernetes", 264, ("kubernetes/kubernetes", 7), kind="PullRequest")
    assert run_json(capsys, board(root, "--apply"), code=0)["untracked_items"] == [
        "pull request kubernetes/kubernetes#7 KEP-3000: part one"
    ]
    assert github.board.item_values("kubernetes", 264, 3000)["status"] == "Tracked for Code Freeze"


# From a newcomer's run of issue 22's docs.


def test_a_dry_run_that_cannot_be_written_still_shows_the_plan_and_names_everything_missing(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 5)
    _without_exception_pending(github)
    github.board.labels[ENHANCEMENTS].discard("tracked/no")
    assert main(board(root, "--labels")) == 2
    out, err = capsys.readouterr()
    assert "  KEP 3000: add to the board; Stage -> Alpha;" in out  # the plan, as far as it can go
    assert "Status has no option for Exception Pending" in err and "has no label tracked/no" in err
    assert err.count("\n") == 1 and github.board.mutations == []


def test_a_removed_kep_with_an_older_milestone_is_cleared(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 5)
    github.issues[(ENHANCEMENTS, 3003)]["milestone"] = "v1.36"  # stale, not the next release
    planned = {c["kep"]: c for c in run_json(capsys, board(root, "--labels"), code=1)["labels"]}
    assert planned["3003"]["milestone"] == {"from": "v1.36", "to": None}


def test_apply_logs_what_it_wrote_and_counts_it_as_the_dry_run_did(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = release(tmp_path, github, 5)
    assert main(board(root, "--labels")) == 1
    dry = capsys.readouterr().out
    count = int(dry.rsplit("The board differs: ", 1)[1].split(" ")[0])
    assert main(board(root, "--labels", "--apply")) == 0
    out = capsys.readouterr().out
    assert f"Written ({count} changes), then read again:" in out
    assert "  KEP 3003: add to the board; Stage -> Alpha;" in out and out.endswith(
        "agrees with the receipts.\n"
    )
    assert count == len(github.board.mutations)
