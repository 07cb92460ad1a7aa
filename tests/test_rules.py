"""Each rule as a table: a change to a correct tree -> the findings it must cause."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from receipt_lint.model.findings import Severity
from tests.conftest import EXCEPTION_BLOCK, KEP, RECEIPT, Checker, base_files, found, rules_found

ACCEPTED = "releases/v1.37/accepted/2140.yaml"
KEP_PATH = "keps/sig-architecture/2140-receipts/kep.yaml"
PRR_PATH = "keps/prod-readiness/sig-architecture/2140.yaml"


def test_a_correct_tree_is_clean(check: Checker) -> None:
    result = check(base_files())
    assert result.findings == ()
    assert result.receipts_checked == 1


# (what changes, expected (rule, path, line) findings) on the accepted receipt
RECEIPT_CASES = [
    (
        "kep-number: 2140",
        "kep-number: 2141",
        {("filename-mismatch", ACCEPTED, 2), ("kep-mismatch", ACCEPTED, 2)},
    ),
    ("tracking-status: accepted", "tracking-status: at-risk", {("status-mismatch", ACCEPTED, 5)}),
    (
        "stage: alpha",
        "stage: beta",
        {
            ("stage-mismatch", ACCEPTED, 6),
            ("prr-missing", ACCEPTED, 6),
            ("milestone-mismatch", ACCEPTED, 6),
        },
    ),
    ("stage: alpha", "stage: gamma", {("receipt-schema", ACCEPTED, 6)}),
    ("title: Receipts process", "title: Receipts", {("kep-mismatch", ACCEPTED, 1)}),
    ("owning-sig: sig-architecture", "owning-sig: sig-node", {("kep-mismatch", ACCEPTED, 3)}),
    (
        "path: sig-architecture/2140-receipts",
        "path: sig-architecture/nope",
        {("kep-not-found", ACCEPTED, 4)},
    ),
    ("path: sig-architecture/2140-receipts", "path: ../../etc", {("receipt-schema", ACCEPTED, 4)}),
    # design doc section 2: one spelling per folder, in every mode
    *(
        ("path: sig-architecture/2140-receipts", spelling, {("receipt-schema", ACCEPTED, 4)})
        for spelling in (
            "path: ./sig-architecture/2140-receipts",
            "path: sig-architecture/2140-receipts/.",
            "path: sig-architecture//2140-receipts",
            "path: /sig-architecture/2140-receipts",
            "path: sig-architecture/2140-receipts/",
            'path: "sig-architecture/2140-receipts\\0x"',
            "path: keps/sig-architecture/2140-receipts",
        )
    ),
    ("stage: alpha", "stage: alpha\nimplemention-prs: []", {("receipt-schema", ACCEPTED, 7)}),
    (
        "stage: alpha",
        "stage: alpha\nimplementation-prs: [https://example.com/x]",
        {("receipt-schema", ACCEPTED, 7)},
    ),
    ("kep-number: 2140\n", "", {("receipt-schema", ACCEPTED, 1)}),
    ("title: Receipts process", "title: [a, b]", {("receipt-schema", ACCEPTED, 1)}),
    ("stage: alpha", "stage: alpha\nstage: beta", {("yaml-syntax", ACCEPTED, 7)}),
]


@pytest.mark.parametrize(("old", "new", "expected"), RECEIPT_CASES)
def test_receipt_rules(check: Checker, old: str, new: str, expected: set[tuple[str, str, int]]) -> None:
    files = base_files()
    files[ACCEPTED] = RECEIPT.replace(old, new)
    assert found(check(files)) == expected


KEP_CASES = [
    ("status: implementable", "status: provisional", {("kep-status", ACCEPTED, 4)}),
    (
        'latest-milestone: "v1.37"',
        'latest-milestone: "v1.36"',
        {("milestone-mismatch", ACCEPTED, 4)},
    ),
    ('latest-milestone: "v1.37"', 'latest-milestone: "0.0"', {("milestone-mismatch", ACCEPTED, 4)}),
    ('latest-milestone: "v1.37"', "latest-milestone: 1.37", {("kep-value", KEP_PATH, 11)}),
    ('alpha: "v1.37"', 'alpha: "v1.38"', {("milestone-mismatch", ACCEPTED, 6)}),
    ('alpha: "v1.37"', 'alpha: "v1.30"', set()),
    (
        'alpha: "v1.37"',
        'alpha: ""',
        {("kep-value", KEP_PATH, 13), ("milestone-mismatch", ACCEPTED, 6)},
    ),
    ("creation-date: 2025-10-01", "creation-date: someday", {("kep-value", KEP_PATH, 9)}),
    ("stage: alpha", "stage: beta", {("stage-mismatch", ACCEPTED, 6)}),
    ("stage: alpha\n", "", {("stage-mismatch", ACCEPTED, 6)}),
    ("stage: alpha", "stage: alpha\nstatge: beta", {("kep-metadata", KEP_PATH, 11)}),
    ("title: Receipts process\n", "", {("kep-metadata", KEP_PATH, 1)}),
    ("status: implementable", "status: [a]", {("kep-metadata", KEP_PATH, 6)}),
    # the PRR file is looked up by the KEP's own number, so it goes missing too
    (
        "kep-number: 2140",
        "kep-number: 2141",
        {("kep-mismatch", ACCEPTED, 2), ("prr-missing", ACCEPTED, 6)},
    ),
    ("kep-number: 2140", "kep-number: 02140", set()),
    (
        "approvers:",
        "approvers: &x\n- a\nreviewers: *x\napprovers:",
        {("kep-metadata", KEP_PATH, 10)},
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), KEP_CASES)
def test_agreement_with_kep_yaml(
    check: Checker, old: str, new: str, expected: set[tuple[str, str, int]]
) -> None:
    files = base_files()
    files[KEP_PATH] = KEP.replace(old, new, 1)
    assert found(check(files)) == expected


PRR_CASES = [
    (None, {("prr-missing", ACCEPTED, 6)}),
    ("kep-number: 2140\nbeta:\n  approver: '@johnbelamaric'\n", {("prr-missing", ACCEPTED, 6)}),
    ("kep-number: 2140\nalpha:\n  approver: ''\n", {("prr-missing", ACCEPTED, 6)}),
    ("kep-number: 2140\nalpha:\n  approver: '@someone'\n", {("prr-approver", ACCEPTED, 6)}),
    ("kep-number: 2140\nalpha:\n  approver: '@JohnBelamaric'\n", set()),
    ("kep-number: 3299\nalpha:\n  approver: johnbelamaric\n", {("prr-mismatch", PRR_PATH, 1)}),
    ("kep-number: 2140\nalpha: [\n", {("prr-missing", ACCEPTED, 6)}),
]


@pytest.mark.parametrize(("prr", "expected"), PRR_CASES)
def test_prr_approval(check: Checker, prr: str | None, expected: set[tuple[str, str, int]]) -> None:
    files = base_files()
    if prr is None:
        del files[PRR_PATH]
    else:
        files[PRR_PATH] = prr
    assert found(check(files)) == expected


def test_prr_not_required_before_v1_21_or_for_provisional_keps(check: Checker) -> None:
    files = base_files()
    del files[PRR_PATH]
    files[KEP_PATH] = KEP.replace("status: implementable", "status: provisional")
    assert rules_found(check(files)) == {"kep-status"}


@pytest.mark.parametrize(
    ("state", "severity"),
    [
        ("accepted", Severity.ERROR),
        ("proposed", Severity.WARNING),
        ("at-risk", Severity.WARNING),
        ("exception", Severity.WARNING),
    ],
)
def test_severity_follows_the_state(check: Checker, state: str, severity: Severity) -> None:
    files = base_files(state)
    files[KEP_PATH] = KEP.replace("status: implementable", "status: provisional")
    if state == "exception":
        files[f"releases/v1.37/{state}/2140.yaml"] += EXCEPTION_BLOCK
    statuses = [f for f in check(files).findings if f.rule == "kep-status"]
    assert [f.severity for f in statuses] == [severity]
    assert ("move the receipt to at-risk" in statuses[0].message) is (state == "accepted")


def test_removed_receipts_and_closed_releases_get_structural_checks_only(check: Checker) -> None:
    files = base_files("removed")
    files[KEP_PATH] = KEP.replace("status: implementable", "status: withdrawn")
    assert check(files).findings == ()
    files = base_files()
    files[KEP_PATH] = KEP.replace("status: implementable", "status: withdrawn")
    files["releases/v1.37/schedule.yaml"] = "release: 2026-01-31\n"
    assert check(files).findings == ()
    files[ACCEPTED] = RECEIPT.replace("tracking-status: accepted", "tracking-status: removed")
    assert rules_found(check(files)) == {"status-mismatch"}


def test_exception_receipts_need_the_exception_block(check: Checker) -> None:
    files = base_files("exception")
    assert found(check(files)) == {("receipt-schema", "releases/v1.37/exception/2140.yaml", 1)}
    files["releases/v1.37/exception/2140.yaml"] += EXCEPTION_BLOCK
    assert check(files).findings == ()
    files["releases/v1.37/exception/2140.yaml"] += "  additional-days: 0\n"
    assert rules_found(check(files)) == {"yaml-syntax"}


def test_ready_to_accept_only_when_every_accepted_requirement_holds(check: Checker) -> None:
    files = base_files("at-risk")
    assert found(check(files)) == {("ready-to-accept", "releases/v1.37/at-risk/2140.yaml", 1)}
    del files[PRR_PATH]
    assert rules_found(check(files)) == {"prr-missing"}


LAYOUT_CASES = [
    ("releases/1.37/accepted/2140.yaml", "receipt-location"),
    ("releases/v1.37/done/2140.yaml", "receipt-location"),
    ("releases/v1.37/accepted/2140.yml", "receipt-location"),
    ("releases/v1.37/accepted/kep.yaml", "receipt-location"),
    ("releases/notes.txt", "receipt-location"),
]


@pytest.mark.parametrize(("path", "rule"), LAYOUT_CASES)
def test_layout(check: Checker, path: str, rule: str) -> None:
    files = base_files()
    files[path] = RECEIPT
    assert (rule, path, None) in found(check(files))


def test_allowed_extra_files(check: Checker) -> None:
    files = base_files()
    files |= {
        "releases/README.md": "x",
        "releases/v1.37/accepted/.gitkeep": "",
        "releases/v1.37/schedule.yaml": "release: 2026-04-22\n",
    }
    assert check(files).findings == ()


def test_release_without_owners(check: Checker) -> None:
    files = base_files()
    del files["releases/v1.37/OWNERS"]
    assert found(check(files)) == {("release-layout", "releases/v1.37", None)}


def test_duplicate_receipts_in_one_release(check: Checker) -> None:
    files = base_files()
    files["releases/v1.37/at-risk/2140.yaml"] = RECEIPT.replace("accepted", "at-risk")
    files["releases/v1.36/OWNERS"] = "approvers: [lead]\n"
    files["releases/v1.36/removed/2140.yaml"] = RECEIPT.replace("accepted", "removed")
    duplicates = {f.path for f in check(files).findings if f.rule == "duplicate-receipt"}
    assert duplicates == {ACCEPTED, "releases/v1.37/at-risk/2140.yaml"}


def test_leading_zeros_in_the_file_name(check: Checker) -> None:
    files = base_files()
    files["releases/v1.37/accepted/02140.yaml"] = files.pop(ACCEPTED)
    assert check(files).findings == ()


SCHEDULE = "enhancements-freeze: 2026-02-12T02:00:00Z\ncode-freeze: 2026-03-19\nrelease: 2026-04-22\n"


@pytest.mark.parametrize(
    ("state", "now", "expected"),
    [
        ("proposed", dt.datetime(2026, 2, 12, 1, tzinfo=dt.timezone.utc), set()),
        (
            "proposed",
            dt.datetime(2026, 2, 12, 3, tzinfo=dt.timezone.utc),
            {"proposed-after-freeze"},
        ),
        ("accepted", dt.datetime(2026, 3, 19, 23, tzinfo=dt.timezone.utc), set()),
        (
            "accepted",
            dt.datetime(2026, 3, 20, 0, tzinfo=dt.timezone.utc),
            {"missing-implementation-prs"},
        ),
        ("accepted", dt.datetime(2026, 4, 23, 0, tzinfo=dt.timezone.utc), set()),
    ],
)
def test_schedule_rules(check: Checker, state: str, now: dt.datetime, expected: set[str]) -> None:
    files = base_files(state) | {"releases/v1.37/schedule.yaml": SCHEDULE}
    assert rules_found(check(files, now=now)) == expected


@pytest.mark.parametrize(
    "schedule", ["code-freeze: tomorrow\n", "code-freze: 2026-03-19\n", "code-freeze: [\n"]
)
def test_schedule_schema(check: Checker, schedule: str) -> None:
    files = base_files() | {"releases/v1.37/schedule.yaml": schedule}
    findings = check(files).findings
    assert [(f.rule, f.path) for f in findings] == [("schedule-schema", "releases/v1.37/schedule.yaml")]


def test_release_filter(check: Checker) -> None:
    files = base_files()
    files["releases/v1.36/OWNERS"] = "approvers: [lead]\n"
    files["releases/v1.36/accepted/2140.yaml"] = RECEIPT
    assert rules_found(check(files, release="v1.37")) == set()
    assert check(files, release="v1.36").receipts_checked == 1
    assert "milestone-mismatch" in rules_found(check(files, release="v1.36"))


def test_symlinks_out_of_the_repository_are_not_followed(check: Checker, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text(KEP)
    files = base_files()
    root = tmp_path / "repo"
    result_before = check(files)
    assert result_before.findings == ()
    (root / KEP_PATH).unlink()
    (root / KEP_PATH).symlink_to(secret)
    (root / "releases/v1.37/at-risk").mkdir()
    (root / "releases/v1.37/at-risk/7.yaml").symlink_to(secret)
    result = check({})
    assert ("kep-not-found", ACCEPTED, 4) in found(result)
    messages = [f.message for f in result.findings if f.rule == "yaml-syntax"]
    assert messages == [
        "releases/v1.37/at-risk/7.yaml is a symlink; receipts and KEP files must be regular files"
    ]


def test_a_fifo_is_not_read(check: Checker, tmp_path: Path) -> None:
    import os

    check(base_files())
    os.mkfifo(tmp_path / "repo/releases/v1.37/accepted/9.yaml")
    assert ("yaml-syntax", "releases/v1.37/accepted/9.yaml", None) in found(check({}))
