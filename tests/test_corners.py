"""Issue 10's corners, each on a real throwaway repository: the verdict holds in every mode.

A "mode" is how a check reads the head: the working tree (the local and
GitHub Actions default), the index (``--staged``, pre-commit), a commit
(``--head``, Prow) and ``--all``.  The same input must get the same verdict in
each (design doc sections 2-6).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from xml.etree import ElementTree

import pytest

from receipt_lint.cli import main
from tests.conftest import EXCEPTION_BLOCK, KEP, PRR, README, RECEIPT, base_files, git_init, write_tree
from tests.test_diff import git, receipt, rules_of, run_json

MODES = {
    "worktree": ["--base", "main"],
    "staged": ["--base", "main", "--staged"],
    "head": ["--base", "main", "--head", "HEAD"],
    "all": ["--all"],
}
KEP_FILE = "keps/sig-architecture/2140-receipts/kep.yaml"
ACCEPTED = "releases/v1.37/accepted/2140.yaml"


def main_and_pr(tmp_path: Path, files: dict[str, str | bytes] | None = None) -> Path:
    """A repository whose ``main`` holds ``files`` (default: one accepted receipt), on branch ``pr``."""
    root = write_tree(tmp_path / "repo", base_files() if files is None else files)
    git_init(root)
    git(root, "branch", "-M", "main")
    git(root, "checkout", "-qb", "pr")
    return root


def commit(root: Path, files: dict[str, str | bytes], delete: tuple[str, ...] = ()) -> None:
    """The change, committed on ``pr`` (so the working tree, index and HEAD all hold it)."""
    for path in delete:
        git(root, "rm", "-q", "--", path)
    write_tree(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", "change")


def verdicts(root: Path, *extra: str) -> dict[str, tuple[int, set[tuple[str, str]]]]:
    """Per mode: (exit code, {(rule, path)}) of every error."""
    seen = {}
    for mode, args in MODES.items():
        code, document = run_json(root, *args, *extra)
        errors = {(d["rule"], d["path"]) for d in document["diagnostics"] if d["severity"] == "error"}
        seen[mode] = (code, errors)
    return seen


def same_everywhere(root: Path, *extra: str) -> tuple[int, set[tuple[str, str]]]:
    """The verdict (exit code and rules) of every mode, which must agree; the --all findings.

    Paths may differ on purpose: in diff mode a finding caused by an edit of
    kep.yaml sits on kep.yaml (design doc section 6, "Where findings point").
    """
    seen = verdicts(root, *extra)
    rules = {mode: (code, sorted(rule for rule, _ in errors)) for mode, (code, errors) in seen.items()}
    assert len(set(map(repr, rules.values()))) == 1, seen
    return seen["all"]


# --- crashes that must become findings ---------------------------------------------------------


def test_a_file_name_with_a_newline_is_a_location_finding_in_every_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = main_and_pr(tmp_path)
    odd = "releases/v1.37/proposed/9\nx.yaml"
    commit(root, {odd: RECEIPT})
    code, errors = same_everywhere(root)
    assert code == 1 and errors == {("receipt-location", odd)}
    os.chdir(root)
    capsys.readouterr()
    assert main(["check", "--base", "main", "--now=2026-02-01", "--format=github"]) == 1
    out = capsys.readouterr().out
    assert "file=releases/v1.37/proposed/9%0Ax.yaml" in out
    assert not any(line.startswith("x.yaml") for line in out.splitlines())  # no line of its own
    assert main(["check", "--base", "main", "--now=2026-02-01", "--format=text"]) == 1
    assert "releases/v1.37/proposed/9\\nx.yaml: error [receipt-location]" in capsys.readouterr().out


def test_a_schedule_past_the_year_9998_is_a_schema_error(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    commit(root, {"releases/v1.37/schedule.yaml": "release: 9999-12-31\n"})
    code, document = run_json(root, "--all")
    [finding] = document["diagnostics"]
    assert (finding["rule"], finding["line"], code) == ("schedule-schema", 1, 1)
    assert "past the year 9998" in finding["message"]
    code, document = run_json(root, "--base", "main")
    assert rules_of(document) == {"schedule-schema"} and code == 1


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("2140", True),
        ('"2140"', True),
        ('"٢١٤٠"', False),  # Arabic-Indic digits: isdigit() says yes
        ("2140.0", False),
        ('" 2140 "', False),
        ('"2140²"', False),
    ],
)
def test_only_ascii_digits_are_a_receipt_kep_number(tmp_path: Path, number: str, valid: bool) -> None:
    root = main_and_pr(tmp_path)
    commit(root, {ACCEPTED: RECEIPT.replace("kep-number: 2140", f"kep-number: {number}")})
    code, errors = same_everywhere(root)
    assert errors == (set() if valid else {("receipt-schema", ACCEPTED)})


@pytest.mark.parametrize("days", ["5.0", '"five"', "0", "-1", '"٥"'])  # noqa: RUF001 (the point)
def test_additional_days_is_a_positive_whole_number(tmp_path: Path, days: str) -> None:
    root = main_and_pr(tmp_path)
    block = EXCEPTION_BLOCK.replace("additional-days: 5", f"additional-days: {days}")
    path = "releases/v1.37/exception/2140.yaml"
    commit(root, {path: RECEIPT.replace("accepted", "exception") + block}, delete=(ACCEPTED,))
    code, document = run_json(root, "--all")
    [schema] = [d for d in document["diagnostics"] if d["rule"] == "receipt-schema"]
    assert schema["line"] == 9 and code == 1


def test_a_kep_number_that_only_looks_like_digits_in_kep_yaml_is_a_finding(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    commit(root, {KEP_FILE: KEP.replace("kep-number: 2140", 'kep-number: "2140²"')})
    code, errors = same_everywhere(root)
    assert code == 1 and errors == {("kep-mismatch", ACCEPTED)}


def test_a_path_with_nul_is_a_finding_in_every_mode(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    nul = RECEIPT.replace(
        "path: sig-architecture/2140-receipts", 'path: "sig-architecture/2140-receipts\\0y"'
    )
    commit(root, {ACCEPTED: nul})
    code, errors = same_everywhere(root)
    assert code == 1 and errors == {("receipt-schema", ACCEPTED)}


# --- verdicts that must not depend on the mode --------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "./sig-architecture/2140-receipts",
        "sig-architecture/2140-receipts/.",
        "sig-architecture//2140-receipts",
        "/sig-architecture/2140-receipts",
        "sig-architecture/2140-receipts/",
        "keps/sig-architecture/2140-receipts",
        "sig-architecture/x/../2140-receipts",
    ],
)
def test_a_path_that_is_not_canonical_is_an_error_in_every_mode(tmp_path: Path, path: str) -> None:
    root = main_and_pr(tmp_path)
    commit(root, {ACCEPTED: RECEIPT.replace("path: sig-architecture/2140-receipts", f"path: {path}")})
    code, errors = same_everywhere(root)
    assert code == 1 and errors == {("receipt-schema", ACCEPTED)}


def test_a_symlinked_kep_folder_or_kep_yaml_is_an_error_in_every_mode(tmp_path: Path) -> None:
    files = base_files()
    files["keps/sig-architecture/real/kep.yaml"] = files.pop(KEP_FILE)
    files["keps/sig-architecture/real/README.md"] = files.pop(KEP_FILE.replace("kep.yaml", "README.md"))
    root = write_tree(tmp_path / "repo", files)
    (root / "keps/sig-architecture/2140-receipts").symlink_to("real")  # a folder link inside the repo
    git_init(root)
    git(root, "branch", "-M", "main")
    git(root, "checkout", "-qb", "pr")
    commit(root, {ACCEPTED: RECEIPT + "docs-prs: []\n"})
    code, errors = same_everywhere(root)
    assert code == 1 and errors == {("kep-not-found", ACCEPTED)}

    (root / "keps/sig-architecture/2140-receipts").unlink()
    (root / "keps/sig-architecture/2140-receipts").mkdir()
    (root / KEP_FILE).symlink_to("../real/kep.yaml")  # a file link inside the repo
    commit(root, {})
    code, errors = same_everywhere(root)
    assert code == 1 and errors == {("kep-not-found", ACCEPTED)}


# --- pairing and re-checking ---------------------------------------------------------------------


def two_releases() -> dict[str, str | bytes]:
    files = base_files()
    files["releases/v1.36/OWNERS"] = "approvers:\n  - lead\n"
    files["releases/v1.36/removed/2140.yaml"] = RECEIPT.replace("accepted", "removed")
    return files


def test_one_kep_deleted_from_two_releases_is_two_deletions(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path, two_releases())
    commit(root, {}, delete=(ACCEPTED, "releases/v1.36/removed/2140.yaml"))
    code, document = run_json(root, "--base", "main")
    deleted = sorted(d["path"] for d in document["diagnostics"] if d["rule"] == "receipt-deleted")
    assert deleted == ["releases/v1.36/removed/2140.yaml", ACCEPTED] and code == 1
    assert [(t["release"], t["to"]) for t in document["transitions"]] == [("v1.36", None), ("v1.37", None)]
    code, document = run_json(root, "--base", "main", "--release", "v1.36")
    assert rules_of(document) == {"receipt-deleted"} and code == 1


def with_duplicate() -> dict[str, str | bytes]:
    files = base_files()
    files["releases/v1.37/proposed/2140.yaml"] = RECEIPT.replace("accepted", "proposed")
    return files


def test_deleting_one_copy_of_a_duplicate_is_the_fix(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path, with_duplicate())
    commit(root, {}, delete=("releases/v1.37/proposed/2140.yaml",))
    code, document = run_json(root, "--base", "main")
    assert document["transitions"] == [
        {
            "release": "v1.37",
            "kep": "2140",
            "from": "proposed",
            "to": None,
            "path": "releases/v1.37/proposed/2140.yaml",
            "legal": True,
        }
    ]
    assert document["diagnostics"] == [] and code == 0


@pytest.mark.parametrize("state", ["accepted", "proposed"])
def test_editing_one_copy_of_a_duplicate_is_an_edit_in_place(tmp_path: Path, state: str) -> None:
    root = main_and_pr(tmp_path, with_duplicate())
    commit(root, {f"releases/v1.37/{state}/2140.yaml": RECEIPT.replace("accepted", state) + "docs-prs: []\n"})
    code, document = run_json(root, "--base", "main")
    assert [(t["from"], t["to"], t["legal"]) for t in document["transitions"]] == [(state, state, True)]
    assert rules_of(document) == {"duplicate-receipt"}  # still a duplicate; not a move, not a new receipt


def test_a_kep_yaml_edit_rechecks_the_number_written_inside_it(tmp_path: Path) -> None:
    """The real keps/sig-node/2043-pod-resource-concrete-assigments says kep-number: 1884."""
    folder = "keps/sig-node/2043-pod-resource-concrete-assigments"
    kep = KEP.replace("2140", "1884").replace("sig-architecture", "sig-node")
    files: dict[str, str | bytes] = {
        "OWNERS_ALIASES": "aliases:\n  prod-readiness-approvers:\n    - johnbelamaric\n",
        "releases/v1.37/OWNERS": "approvers:\n  - lead\n",
        f"{folder}/kep.yaml": kep,
        f"{folder}/README.md": README,
        "keps/prod-readiness/sig-node/1884.yaml": PRR.replace("2140", "1884"),
        "releases/v1.37/accepted/1884.yaml": RECEIPT.replace("2140", "1884")
        .replace("sig-architecture", "sig-node")
        .replace("sig-node/1884-receipts", folder.removeprefix("keps/")),
    }
    root = main_and_pr(tmp_path, files)
    assert run_json(root, "--all")[0] == 0
    commit(root, {f"{folder}/kep.yaml": kep.replace("stage: alpha", "stage: beta")})
    code, errors = same_everywhere(root)
    assert errors == {("stage-mismatch", "releases/v1.37/accepted/1884.yaml")} and code == 1


# --- time -------------------------------------------------------------------------------------------


def scheduled(schedule: str) -> dict[str, str | bytes]:
    files = base_files()
    files["releases/v1.37/schedule.yaml"] = schedule
    return files


def test_a_change_cannot_move_its_own_opt_in_deadline(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path, scheduled("prr-freeze: 2026-01-15\nrelease: 2026-04-22\n"))
    commit(
        root,
        {
            "releases/v1.37/schedule.yaml": "prr-freeze: 2026-03-01\nrelease: 2026-04-22\n",
            "releases/v1.37/proposed/7.yaml": RECEIPT.replace("accepted", "proposed").replace("2140", "7"),
        },
    )
    code, document = run_json(root, "--base", "main", "--author", "kep-author")
    assert "opt-in-after-freeze" in rules_of(document) and code == 1
    [approval] = [d for d in document["diagnostics"] if d["path"] == "releases/v1.37/schedule.yaml"]
    assert approval["rule"] == "team-approval" and approval["message"].endswith("needs approval from lead")
    code, document = run_json(root, "--base", "main", "--author", "lead")
    assert "team-approval" not in rules_of(document)


def test_deleting_the_schedule_does_not_reopen_a_shipped_release(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path, scheduled("release: 2026-01-20\n"))
    commit(root, {ACCEPTED: RECEIPT + "docs-prs: []\n"}, delete=("releases/v1.37/schedule.yaml",))
    code, document = run_json(root, "--base", "main")
    assert "release-closed" in rules_of(document) and code == 1


def test_schedule_dates_out_of_order_are_a_schema_error(tmp_path: Path) -> None:
    root = main_and_pr(
        tmp_path, scheduled("enhancements-freeze: 2026-02-12\ncode-freeze: 2026-02-01\nrelease: 2026-04-22\n")
    )
    code, document = run_json(root, "--all")
    [finding] = document["diagnostics"]
    assert (finding["rule"], finding["line"]) == ("schedule-schema", 2)
    assert finding["message"].startswith("code-freeze is before enhancements-freeze")


def test_a_bare_now_date_is_the_start_of_that_day(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path, scheduled("prr-freeze: 2026-02-05\n"))
    commit(
        root, {"releases/v1.37/proposed/7.yaml": RECEIPT.replace("accepted", "proposed").replace("2140", "7")}
    )
    code, document = run_json(root, "--base", "main", "--now=2026-02-05")
    assert "opt-in-after-freeze" not in rules_of(document)  # on the day of the freeze
    code, document = run_json(root, "--base", "main", "--now=2026-02-06")
    assert "opt-in-after-freeze" in rules_of(document)


def test_not_targeting_a_release_exempts_from_prr(tmp_path: Path) -> None:
    files = base_files("proposed")
    files[KEP_FILE] = KEP.replace('latest-milestone: "v1.37"', 'latest-milestone: "0.0"')
    del files["keps/prod-readiness/sig-architecture/2140.yaml"]
    root = main_and_pr(tmp_path, files)
    code, document = run_json(root, "--all")
    assert not {"prr-missing", "prr-approver"} & rules_of(document)
    assert "milestone-mismatch" in rules_of(document)  # still not in this release


# --- who may move -------------------------------------------------------------------------------


def test_owners_aliases_are_expanded_and_only_approvers_approve(tmp_path: Path) -> None:
    files = base_files("proposed")
    files["OWNERS_ALIASES"] = (
        "aliases:\n  prod-readiness-approvers:\n    - johnbelamaric\n"
        "  enhancements-v1-37:\n    - Alice\n    - '@bob'\n"
    )
    files["releases/v1.37/OWNERS"] = "approvers:\n  - enhancements-v1-37\nreviewers:\n  - carol\n"
    root = main_and_pr(tmp_path, files)
    commit(root, {ACCEPTED: RECEIPT}, delete=("releases/v1.37/proposed/2140.yaml",))
    for author, warned in (("alice", False), ("@Bob", False), ("carol", True), ("enhancements-v1-37", True)):
        code, document = run_json(root, "--base", "main", "--author", author)
        assert ("team-approval" in rules_of(document)) is warned, author
    code, document = run_json(root, "--base", "main", "--author", "carol")
    [warning] = [d for d in document["diagnostics"] if d["rule"] == "team-approval"]
    assert warning["message"].endswith("needs approval from alice, bob")


# --- the exception record -----------------------------------------------------------------------


def exception_history(tmp_path: Path, state: str) -> Path:
    files = base_files()
    del files[ACCEPTED]
    files[f"releases/v1.37/{state}/2140.yaml"] = receipt(state) + (
        "" if state == "exception" else EXCEPTION_BLOCK
    )
    return main_and_pr(tmp_path, files)


@pytest.mark.parametrize(
    ("origin", "target", "block", "edited"),
    [
        ("at-risk", "at-risk", "", True),  # removed in place
        ("at-risk", "at-risk", EXCEPTION_BLOCK.replace("reason: r", "reason: better"), True),
        ("exception", "at-risk", EXCEPTION_BLOCK.replace("additional-days: 5", "additional-days: 9"), True),
        ("exception", "at-risk", EXCEPTION_BLOCK, False),  # a grant keeps the block
        ("exception", "exception", EXCEPTION_BLOCK.replace("reason: r", "reason: better"), False),
        (
            "at-risk",
            "exception",
            EXCEPTION_BLOCK.replace("freeze: code", "freeze: docs"),
            False,
        ),  # a new request
        ("removed", "removed", "", True),
    ],
)
def test_a_decided_exception_block_is_kept(
    tmp_path: Path, origin: str, target: str, block: str, edited: bool
) -> None:
    root = exception_history(tmp_path, origin)
    text = receipt(target).replace(EXCEPTION_BLOCK, "") + block
    if origin != target:
        git(root, "rm", "-q", f"releases/v1.37/{origin}/2140.yaml")
    commit(root, {f"releases/v1.37/{target}/2140.yaml": text})
    code, document = run_json(root, "--base", "main")
    assert ("exception-edited" in rules_of(document)) is edited
    if edited:
        [finding] = [d for d in document["diagnostics"] if d["rule"] == "exception-edited"]
        assert finding["severity"] == "error" and code == 1


# --- the command line -----------------------------------------------------------------------------


def test_repo_inside_the_checkout_means_its_top_level(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    commit(root, {}, delete=(ACCEPTED,))
    code, document = run_json(root / "keps", "--base", "main")
    assert rules_of(document) == {"receipt-deleted"} and code == 1


def pr_making_the_receipt_beta(tmp_path: Path) -> Path:
    """A pull request whose receipt says beta while kep.yaml says alpha: findings in releases/ only."""
    root = main_and_pr(tmp_path)
    commit(root, {ACCEPTED: RECEIPT.replace("stage: alpha", "stage: beta")})
    return root


def test_file_may_be_a_folder_and_must_name_something(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = pr_making_the_receipt_beta(tmp_path)
    os.chdir(root)
    assert main(["check", "--all", "--now=2026-02-01", "releases/v1.37"]) == 1
    assert main(["check", "--all", "--now=2026-02-01", "keps"]) == 0
    assert main(["check", "--base", "main", "--now=2026-02-01", "releases/"]) == 1
    capsys.readouterr()
    for args in (["--all"], ["--base", "main"]):
        assert main(["check", *args, "releases/v1.99"]) == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and "releases/v1.99 names no file" in error
    commit(root, {}, delete=(ACCEPTED,))  # a deleted file is still something the change names
    assert main(["check", "--base", "main", "--now=2026-02-01", ACCEPTED]) == 1


def test_release_with_no_folder_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = main_and_pr(tmp_path)
    for args in (["--all"], ["--base", "main"], ["--base", "main", "--head", "HEAD"]):
        assert main(["check", "--repo", str(root), *args, "--release", "v1.99"]) == 2
        assert "there is no releases/v1.99" in capsys.readouterr().err
    assert main(["check", "--repo", str(root), "--all", "--release", "v1.37", "--now=2026-02-01"]) == 0


# --- messages in words, and what upstream's validator rejects ----------------------------------


def kep_says(tmp_path: Path, old: str, new: str) -> list[tuple[str, str, str]]:
    root = main_and_pr(tmp_path, {**base_files(), KEP_FILE: KEP.replace(old, new)})
    document = run_json(root, "--all")[1]
    return [(d["rule"], d["severity"], d["message"]) for d in document["diagnostics"]]


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ('  alpha: "v1.37"', '  alpha: ""', 'milestone.alpha is empty: write a milestone like "v1.37"'),
        ('  alpha: "v1.37"', '  alpha: "v1.21, v1.37"', 'milestone.alpha "v1.21, v1.37" is not a milestone'),
        ('latest-milestone: "v1.37"\n', "", "kep.yaml has no latest-milestone but the receipt is in v1.37"),
        ('latest-milestone: "v1.37"', "latest-milestone:", "kep.yaml has no latest-milestone"),
        ("stage: alpha", "stage: monkeys", 'stage "monkeys" is not a stage: use one of alpha, beta, stable'),
        (
            "status: implementable",
            "status: monkeys",
            'status "monkeys" is not a KEP status: use one of provisional',
        ),
        (
            "owning-sig: sig-architecture",
            "owning-sig: not-a-sig",
            'owning-sig "not-a-sig" is not a Kubernetes group',
        ),
    ],
)
def test_kep_yaml_values_are_named_in_words(tmp_path: Path, old: str, new: str, says: str) -> None:
    findings = kep_says(tmp_path, old, new)
    assert any(says in message for _, _, message in findings), findings
    assert not any("None" in message or "'" in message for _, _, message in findings), findings


def test_upstream_rejections_are_kep_value_findings(tmp_path: Path) -> None:
    for old, new in (("stage: alpha", "stage: monkeys"), ("status: implementable", "status: monkeys")):
        findings = kep_says(tmp_path / new.split(":")[0], old, new)
        assert [rule for rule, _, message in findings if "monkeys" in message and rule == "kep-value"], (
            findings
        )
    findings = kep_says(tmp_path / "sig", "owning-sig: sig-architecture", "owning-sig: not-a-sig")
    assert ("kep-value", "warning") in {(rule, severity) for rule, severity, _ in findings}


def test_a_group_with_a_folder_under_keps_is_known(tmp_path: Path) -> None:
    files = {
        **base_files(),
        KEP_FILE: KEP.replace("owning-sig: sig-architecture", "owning-sig: provider-aws"),
    }
    files["keps/provider-aws/README.md"] = "provider KEPs\n"
    root = main_and_pr(tmp_path, files)
    document = run_json(root, "--all")[1]
    assert not [d for d in document["diagnostics"] if d["rule"] == "kep-value"]


def test_json_of_every_corner_is_valid(tmp_path: Path) -> None:
    """The odd file name survives every machine-readable reporter."""
    root = main_and_pr(tmp_path)
    commit(root, {"releases/v1.37/proposed/9\nx.yaml": RECEIPT})
    out = tmp_path / "out"
    for name, written in (("json", "9\\nx.yaml"), ("sarif", "9%0Ax.yaml")):  # SARIF: a URI
        assert main(["check", "--repo", str(root), "--all", f"--format={name}", f"--output={out}"]) == 1
        assert written in out.read_text()
        json.loads(out.read_text())
    assert main(["check", "--repo", str(root), "--all", "--format=junit", f"--output={out}"]) == 1
    names = {case.get("name") for case in ElementTree.parse(out).iter("testcase")}
    assert "releases/v1.37/proposed/9\nx.yaml" in names  # an escaped attribute, read back whole


def test_a_file_name_that_is_not_utf8_is_reported_in_every_format(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    odd = os.fsdecode(b"releases/v1.37/proposed/9\xff.yaml")
    commit(root, {odd: RECEIPT})
    code, errors = same_everywhere(root)
    assert code == 1 and errors == {("receipt-location", odd)}
    out = tmp_path / "out"
    for name in ("text", "github", "json", "junit", "sarif"):
        assert main(["check", "--repo", str(root), "--all", f"--format={name}", f"--output={out}"]) == 1
        written = "9%FF.yaml" if name == "sarif" else "9\\udcff.yaml"  # SARIF: the byte, in a URI
        assert written in out.read_text(encoding="utf-8"), name


# --- found by an adversarial review: top-level and folder symlinks, odd folder names -----------


def test_keps_or_releases_replaced_by_a_symlink_or_a_file_is_a_finding(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    (root / "keps").rename(root / "real")
    (root / "keps").symlink_to("real")
    commit(root, {})
    code, errors = same_everywhere(root)
    assert code == 1 and ("kep-not-found", ACCEPTED) in errors
    root = main_and_pr(tmp_path / "two")
    commit(root, {"releases": "x\n"}, delete=tuple(f for f in base_files() if f.startswith("releases/")))
    for mode, args in MODES.items():
        code, document = run_json(root, *args)
        assert code == 1 and ("receipt-location", "releases") in {
            (d["rule"], d["path"]) for d in document["diagnostics"]
        }, mode


@pytest.mark.parametrize(
    ("real", "link"),
    [
        ("keps/pr", "keps/prod-readiness"),
        ("releases/v1.37/acc", "releases/v1.37/accepted"),
    ],
)
def test_a_symlinked_folder_is_not_followed_in_the_working_tree_either(
    tmp_path: Path, real: str, link: str
) -> None:
    root = main_and_pr(tmp_path)
    (root / link).rename(root / real)
    (root / link).symlink_to(Path(real).name)
    commit(root, {})
    code, document = run_json(root, "--base", "main")
    head = run_json(root, "--base", "main", "--head", "HEAD")[1]
    assert code == 1
    assert {(d["rule"], d["path"]) for d in document["diagnostics"]} == {
        (d["rule"], d["path"]) for d in head["diagnostics"]
    }
    assert document["transitions"] == head["transitions"]


def test_a_symlinked_release_folder_is_the_same_verdict_in_every_diff_mode(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    (root / "releases/v1.37").rename(root / "releases/v1.36")
    (root / "releases/v1.37").symlink_to("v1.36")
    commit(root, {})
    seen = {mode: run_json(root, *args)[1] for mode, args in MODES.items() if mode != "all"}
    verdicts = {
        mode: sorted((d["rule"], d["path"]) for d in doc["diagnostics"]) for mode, doc in seen.items()
    }
    assert len({repr(v) for v in verdicts.values()}) == 1, verdicts
    assert ("receipt-location", "releases/v1.37") in verdicts["head"]


def test_a_newline_in_a_folder_name_is_a_finding_in_every_mode(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    odd = "releases/v1.38\n/proposed/2141.yaml"
    commit(root, {odd: RECEIPT})
    code, errors = same_everywhere(root)
    assert code == 1 and errors == {("receipt-location", odd)}


def test_an_impossible_offset_is_said_in_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["check", "--all", "--repo", str(main_and_pr(tmp_path)), "--now", "2026-02-05T10:00+25:00"]) == 2
    )
    error = capsys.readouterr().err
    assert "is not a real date or time" in error and "timedelta" not in error


def test_a_creation_joins_the_newest_releases_deletion(tmp_path: Path) -> None:
    files = two_releases()
    files["releases/v1.38/OWNERS"] = "approvers:\n  - lead\n"
    root = main_and_pr(tmp_path, files)
    proposed = RECEIPT.replace("accepted", "proposed")
    commit(
        root,
        {"releases/v1.38/proposed/2140.yaml": proposed},
        delete=(ACCEPTED, "releases/v1.36/removed/2140.yaml"),
    )
    document = run_json(root, "--base", "main")[1]
    moved = [t for t in document["transitions"] if t["to"] is not None]
    assert moved[0]["from_release"] == "v1.37" and moved[0]["release"] == "v1.38"
    deleted = [d["path"] for d in document["diagnostics"] if d["rule"] == "receipt-deleted"]
    assert deleted == ["releases/v1.36/removed/2140.yaml"]


def test_file_arguments_are_relative_to_the_repository_when_run_elsewhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = pr_making_the_receipt_beta(tmp_path)
    os.chdir(tmp_path)
    assert main(["check", "--repo", str(root), "--all", "--now=2026-02-01", "releases/v1.37"]) == 1
    assert main(["check", "--repo", str(root), "--all", "--now=2026-02-01", "keps"]) == 0
