"""Issue 20: the release's hard moments (freezes, exceptions), judged as the release team judges them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from receipt_lint.cli import main
from tests.conftest import EXCEPTION_BLOCK, KEP, RECEIPT, base_files
from tests.test_corners import ACCEPTED, KEP_FILE, commit, main_and_pr
from tests.test_diff import rules_of, run_json
from tests.test_workflow import exception_request, fingerprint

SCHEDULE = "releases/v1.37/schedule.yaml"
PROPOSED, AT_RISK = "releases/v1.37/proposed/2140.yaml", "releases/v1.37/at-risk/2140.yaml"
EXCEPTION = "releases/v1.37/exception/2140.yaml"
DATES = "enhancements-freeze: 2026-01-15\ncode-freeze: 2026-03-19\nrelease: 2026-04-22\n"


def receipt(state: str, extra: str = "") -> str:
    return RECEIPT.replace("accepted", state) + extra


def block(freeze: str, days: int = 5) -> str:
    return EXCEPTION_BLOCK.replace("freeze: code", f"freeze: {freeze}").replace("5", str(days))


def repo_with(tmp_path: Path, files: dict[str, str], dates: str = DATES) -> Path:
    tree = base_files()
    del tree[ACCEPTED]
    return main_and_pr(tmp_path, tree | {SCHEDULE: dates} | files)


def manifest_json(root: Path, release: str, now: str) -> dict:  # type: ignore[type-arg]
    out = root.parent / "m.json"
    argv = ["manifest", "--repo", str(root), f"--release={release}", f"--now={now}", "--format=json"]
    assert main([*argv, f"--output={out}"]) == 0
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def warnings_of(document: dict, rule: str) -> list[dict]:  # type: ignore[type-arg]
    return [d for d in document["diagnostics"] if d["rule"] == rule]


# --- decided-after-freeze -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "now", "warned"),
    [
        (
            (PROPOSED, receipt("proposed")),
            (ACCEPTED, RECEIPT),
            "2026-02-01",
            True,
        ),  # after enhancements freeze
        ((PROPOSED, receipt("proposed")), (AT_RISK, receipt("at-risk")), "2026-02-01", True),
        ((PROPOSED, receipt("proposed")), (ACCEPTED, RECEIPT), "2026-01-10", False),  # before it
        ((AT_RISK, receipt("at-risk")), (ACCEPTED, RECEIPT), "2026-03-25", True),  # after code freeze
        ((AT_RISK, receipt("at-risk")), (ACCEPTED, RECEIPT), "2026-03-01", False),
        # a granted code-freeze exception of 10 days covers it until its own deadline
        (
            (AT_RISK, receipt("at-risk", block("code", 10))),
            (ACCEPTED, RECEIPT + block("code", 10)),
            "2026-03-25",
            False,
        ),
        (
            (AT_RISK, receipt("at-risk", block("code", 2))),
            (ACCEPTED, RECEIPT + block("code", 2)),
            "2026-03-25",
            True,
        ),
    ],
)
def test_decided_after_freeze(
    tmp_path: Path, before: tuple[str, str], after: tuple[str, str], now: str, warned: bool
) -> None:
    root = repo_with(tmp_path, {before[0]: before[1]})
    commit(root, {after[0]: after[1]}, delete=(before[0],))
    code, document = run_json(root, "--base", "main", f"--now={now}")
    assert bool(warnings_of(document, "decided-after-freeze")) is warned
    assert all(d["severity"] == "warning" for d in warnings_of(document, "decided-after-freeze"))


def test_history_lists_timing_warnings_apart_from_late(tmp_path: Path) -> None:
    root = repo_with(tmp_path, {PROPOSED: receipt("proposed")})
    os.environ["GIT_COMMITTER_DATE"] = "2026-02-01T10:00:00Z"
    try:
        commit(root, {ACCEPTED: RECEIPT}, delete=(PROPOSED,))
    finally:
        del os.environ["GIT_COMMITTER_DATE"]
    out = tmp_path / "h.json"
    assert main(["history", "--repo", str(root), "--format=json", f"--output={out}"]) == 0
    [step] = [t for t in json.loads(out.read_text())["transitions"] if t["to"] == "accepted"]
    assert step["warnings"] == ["decided-after-freeze"] and step["late"] == []


# --- exception-early ---------------------------------------------------------------------------


def test_an_early_request_is_a_warning_and_the_verb_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo_with(tmp_path, {AT_RISK: receipt("at-risk")})
    commit(root, {EXCEPTION: receipt("exception", block("code"))}, delete=(AT_RISK,))
    code, document = run_json(root, "--base", "main", "--now=2026-02-01")
    [warning] = warnings_of(document, "exception-early")
    assert code == 0 and "2026-03-19 (the end of that day, UTC)" in warning["message"]
    later = run_json(root, "--base", "main", "--now=2026-03-20T12:00:00Z")[1]
    assert warnings_of(later, "exception-early") == []  # once the freeze has passed
    os.chdir(root)
    commit(root, {AT_RISK: receipt("at-risk")}, delete=(EXCEPTION,))
    before = fingerprint(root)
    capsys.readouterr()
    argv = [*exception_request("v1.37", "code", days="3"), "--now=2026-02-01"]
    assert main(argv) == 1
    assert "has not passed" in capsys.readouterr().err and fingerprint(root) == before
    assert main([*argv[:-1], "--now=2026-03-20T12:00:00Z"]) == 0


# --- at-risk-after-freeze ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "now", "warned"),
    [
        ({AT_RISK: receipt("at-risk")}, "2026-03-25", True),  # past code freeze, no exception
        ({AT_RISK: receipt("at-risk", block("code", 10))}, "2026-03-25", False),  # a granted one covers it
        ({AT_RISK: receipt("at-risk", block("code", 2))}, "2026-03-25", True),  # ...until its deadline
        (
            {AT_RISK: receipt("at-risk")},
            "2026-02-01",
            False,
        ),  # past enhancements freeze, meets every requirement
        (
            {AT_RISK: receipt("at-risk"), KEP_FILE: KEP.replace("implementable", "provisional")},
            "2026-02-01",
            True,  # ...and fails one
        ),
        (
            {
                AT_RISK: receipt("at-risk", block("enhancements")),
                KEP_FILE: KEP.replace("implementable", "provisional"),
            },
            "2026-01-17",
            False,  # an enhancements-freeze exception covers it for its days
        ),
    ],
)
def test_at_risk_after_freeze(tmp_path: Path, files: dict[str, str], now: str, warned: bool) -> None:
    document = run_json(repo_with(tmp_path, files), "--all", f"--now={now}")[1]
    assert bool(warnings_of(document, "at-risk-after-freeze")) is warned, document["diagnostics"]


# --- exception blocks only through exception/ -------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ((AT_RISK, receipt("at-risk")), (AT_RISK, receipt("at-risk", block("code")))),  # written at at-risk
        (None, (PROPOSED, receipt("proposed", block("code")))),  # created with one
    ],
)
def test_a_block_written_without_a_request_is_exception_edited(
    tmp_path: Path, before: tuple[str, str] | None, after: tuple[str, str]
) -> None:
    root = repo_with(tmp_path, dict([before]) if before else {})
    commit(root, {after[0]: after[1]})
    code, document = run_json(root, "--base", "main", "--now=2026-01-10")
    [error] = [d for d in document["diagnostics"] if d["rule"] == "exception-edited"]
    assert code == 1 and "outside exception/" in error["message"]


def test_a_request_still_writes_its_block(tmp_path: Path) -> None:
    root = repo_with(tmp_path, {AT_RISK: receipt("at-risk")})
    commit(root, {EXCEPTION: receipt("exception", block("enhancements"))}, delete=(AT_RISK,))
    assert "exception-edited" not in rules_of(run_json(root, "--base", "main", "--now=2026-02-01")[1])


# --- ready to accept ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "now", "notice"),
    [
        ({AT_RISK: receipt("at-risk")}, "2026-03-01", True),
        ({AT_RISK: receipt("at-risk")}, "2026-03-25", False),  # after code freeze the code decides
        (
            {"releases/v1.37/at-risk/2104.yaml": receipt("at-risk")},
            "2026-03-01",
            False,
        ),  # an error of its own
    ],
)
def test_ready_to_accept_only_when_check_can_know(
    tmp_path: Path, files: dict[str, str], now: str, notice: bool
) -> None:
    document = run_json(repo_with(tmp_path, files), "--all", f"--now={now}")[1]
    assert ("ready-to-accept" in rules_of(document)) is notice


# --- what ships, and plans ------------------------------------------------------------------------------


def test_the_manifest_counts_what_ships_apart(tmp_path: Path) -> None:
    other = KEP.replace("2140", "7").replace("Receipts process", "Other")
    files = {
        ACCEPTED: RECEIPT,
        "keps/sig-architecture/7-other/kep.yaml": other,
        "releases/v1.37/removed/7.yaml": receipt("removed")
        .replace("2140", "7")
        .replace("Receipts process", "Other")
        .replace("2140-receipts", "7-other"),
    }
    root = repo_with(tmp_path, files)
    document = manifest_json(root, "v1.37", "2026-01-10")
    assert sum(document["counts"]["by_stage"].values()) == 2
    assert document["shipping"] == {"by_stage": {"alpha": 1}, "by_type": {"Net New": 1}}


@pytest.mark.parametrize(
    ("stage", "milestones", "warned"),
    [
        ("alpha", '  alpha: "v1.37"\n  beta: TBD\n  stable: "x.y"\n', False),  # plans
        ("alpha", '  alpha: "v1.37"\n  beta: ""\n', False),
        ("beta", '  alpha: "v1.36"\n  beta: TBD\n', True),  # the stage reached: no plan
        ("alpha", '  alpha: "v1.37"\n  beta: 1.38\n', True),  # a real milestone still wants its v
    ],
)
def test_milestones_of_stages_not_reached_are_plans(
    tmp_path: Path, stage: str, milestones: str, warned: bool
) -> None:
    kep = KEP.replace("stage: alpha", f"stage: {stage}").replace(
        'milestone:\n  alpha: "v1.37"\n', "milestone:\n" + milestones
    )
    files = {ACCEPTED: RECEIPT.replace("stage: alpha", f"stage: {stage}"), KEP_FILE: kep}
    document = run_json(repo_with(tmp_path, files), "--all", "--now=2026-01-10")[1]
    assert ("kep-value" in rules_of(document)) is warned, document["diagnostics"]


# --- the phase a slip missed ------------------------------------------------------------------------


def slips_after_removal_on(tmp_path: Path, when: str, dates: str) -> dict:  # type: ignore[type-arg]
    root = repo_with(tmp_path, {PROPOSED: receipt("proposed")}, dates)
    os.environ["GIT_COMMITTER_DATE"] = when
    try:
        commit(root, {"releases/v1.37/removed/2140.yaml": receipt("removed")}, delete=(PROPOSED,))
    finally:
        del os.environ["GIT_COMMITTER_DATE"]
    out = tmp_path / "s.json"
    assert main(["slips", "--repo", str(root), "--now=2026-05-01", "--format=json", f"--output={out}"]) == 0
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def test_a_removal_just_after_a_freeze_missed_that_freeze(tmp_path: Path) -> None:
    dates = "enhancements-freeze: 2026-02-12T02:00:00Z\ncode-freeze: 2026-03-19\nrelease: 2026-04-22\n"
    report = slips_after_removal_on(tmp_path, "2026-02-12T10:00:00Z", dates)  # eight hours after it
    [record] = report["keps"][0]["releases"]
    assert (record["slipped"], record["phase"]) == (True, "enhancements")
    assert report["by_sig"]["sig-architecture"]["slips"] == 1


def test_a_removal_before_any_freeze_is_withdrawn_not_a_slip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = slips_after_removal_on(
        tmp_path, "2026-01-20T10:00:00Z", DATES.replace("2026-01-15", "2026-02-12")
    )
    [record] = report["keps"][0]["releases"]
    assert (record["slipped"], record["phase"]) == (False, "withdrawn")
    assert report["by_sig"]["sig-architecture"]["slips"] == 0
    assert main(["slips", "--repo", str(tmp_path / "repo"), "--now=2026-05-01"]) == 0
    assert "withdrawn before any freeze (no slip)" in capsys.readouterr().out


# --- Net New after a slip --------------------------------------------------------------------------


def slipped_kep(tmp_path: Path) -> Path:
    """KEP 2140 alpha, removed in v1.37 (milestone.alpha still says v1.37); v1.38 is open."""
    files = {
        "releases/v1.37/removed/2140.yaml": receipt("removed"),
        "releases/v1.38/OWNERS": "approvers:\n  - lead\n",
    }
    return repo_with(tmp_path, files, "release: 2026-04-22\n")


def test_a_milestone_naming_the_release_the_kep_slipped_in_is_stale(tmp_path: Path) -> None:
    root = slipped_kep(tmp_path)
    kep = (root / KEP_FILE).read_text().replace('latest-milestone: "v1.37"', 'latest-milestone: "v1.38"')
    commit(root, {KEP_FILE: kep, "releases/v1.38/proposed/2140.yaml": receipt("proposed")})
    document = run_json(root, "--all", "--now=2026-06-01")[1]
    [stale] = [d for d in document["diagnostics"] if d["rule"] == "milestone-mismatch"]
    assert (
        stale["severity"] == "warning"
        and "ended removed" in stale["message"]
        and '"v1.38"' in stale["message"]
    )


def test_promote_after_a_slip_sets_the_stage_milestone(tmp_path: Path) -> None:
    root = slipped_kep(tmp_path)
    os.chdir(root)
    assert main(["promote", "2140", "--stage", "alpha", "--release", "v1.38", "--now=2026-06-01"]) == 0
    text = (root / KEP_FILE).read_text()
    assert 'alpha: "v1.38"' in text and 'latest-milestone: "v1.38"' in text
    assert "milestone-mismatch" not in rules_of(run_json(root, "--all", "--now=2026-06-01")[1])


def test_the_manifest_counts_a_slipped_kep_as_new_again(tmp_path: Path) -> None:
    root = slipped_kep(tmp_path)
    kep = (root / KEP_FILE).read_text().replace('latest-milestone: "v1.37"', 'latest-milestone: "v1.38"')
    commit(root, {KEP_FILE: kep, "releases/v1.38/accepted/2140.yaml": RECEIPT})  # milestone.alpha: v1.37
    document = manifest_json(root, "v1.38", "2026-06-01")
    assert [r["type"] for r in document["receipts"]] == ["Net New"]
    assert document["shipping"]["by_type"] == {"Net New": 1}
