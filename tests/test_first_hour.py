"""Issue 14: findings where people look, outputs that follow their consumers' rules, choosing rules."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from receipt_lint.cli import main
from tests.conftest import PRR, RECEIPT, base_files
from tests.test_corners import ACCEPTED, KEP_FILE, commit, main_and_pr
from tests.test_diff import rules_of, run_json

PRR_FILE = "keps/prod-readiness/sig-architecture/2140.yaml"


# --- findings where people look -------------------------------------------------------------------


def test_a_kep_yaml_edit_is_reported_on_kep_yaml_naming_the_receipt(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    kep = (root / KEP_FILE).read_text()
    commit(
        root,
        {
            KEP_FILE: kep.replace("stage: alpha", "stage: beta").replace(
                "status: implementable", "status: provisional"
            )
        },
    )
    code, document = run_json(root, "--base", "main")
    found = {(d["rule"], d["path"], d["line"]) for d in document["diagnostics"]}
    assert ("stage-mismatch", KEP_FILE, 10) in found and ("kep-status", KEP_FILE, 6) in found
    for diagnostic in document["diagnostics"]:
        assert diagnostic["path"] == KEP_FILE and diagnostic["message"].startswith(f"{ACCEPTED}: ")
    assert code == 1
    # --all has no edit to point at: the receipt, as always
    assert {d["path"] for d in run_json(root, "--all")[1]["diagnostics"]} == {ACCEPTED}


def test_a_prr_edit_is_reported_on_the_prr_file(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    commit(root, {PRR_FILE: PRR.replace("alpha:", "beta:")})
    code, document = run_json(root, "--base", "main")
    [finding] = [d for d in document["diagnostics"] if d["rule"] == "prr-missing"]
    assert (finding["path"], code) == (PRR_FILE, 1)


def test_stage_advice_for_an_accepted_receipt_is_a_legal_move(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    commit(root, {KEP_FILE: (root / KEP_FILE).read_text().replace("stage: alpha", "stage: beta")})
    [finding] = [d for d in run_json(root, "--all")[1]["diagnostics"] if d["rule"] == "stage-mismatch"]
    assert "set stage: alpha in kep.yaml" in finding["message"]
    assert "a accepted receipt keeps its stage" not in finding["message"]
    assert (
        "an accepted receipt keeps its stage" in finding["message"] or "keeps its stage" in finding["message"]
    )
    assert "fix the receipt" not in finding["message"]


def test_a_kep_number_changed_inside_a_receipt_is_an_edit_in_place(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    commit(root, {ACCEPTED: RECEIPT.replace("kep-number: 2140", "kep-number: 2141")})
    code, document = run_json(root, "--base", "main")
    assert [(t["from"], t["to"]) for t in document["transitions"]] == [("accepted", "accepted")]
    assert "receipt-deleted" not in rules_of(document) and "filename-mismatch" in rules_of(document)


def test_a_move_between_releases_names_both(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = base_files()
    files["releases/v1.38/OWNERS"] = "approvers:\n  - lead\n"
    root = main_and_pr(tmp_path, files)
    commit(
        root,
        {"releases/v1.38/proposed/2140.yaml": RECEIPT.replace("accepted", "proposed")},
        delete=(ACCEPTED,),
    )
    os.chdir(root)
    assert main(["check", "--base", "main", "--now=2026-02-01", "--format=text"]) == 1
    assert "v1.37 -> v1.38 KEP 2140: accepted -> proposed  (illegal)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("implemention-prs: []", 'unknown key "implemention-prs": did you mean "implementation-prs"?'),
        (
            "docs-prs: [https://example.com/1]",
            "docs-prs entry 1 must be a pull request URL",
        ),
        ("implementation-prs: [x]", "implementation-prs entry 1 must be a pull request URL"),
    ],
)
def test_schema_messages_are_in_words(tmp_path: Path, line: str, says: str) -> None:
    root = main_and_pr(tmp_path, {**base_files(), ACCEPTED: RECEIPT + line + "\n"})
    [finding] = run_json(root, "--all")[1]["diagnostics"]
    assert (finding["rule"] == "receipt-schema" and finding["message"] == says) or says in finding["message"]
    assert "Input should" not in finding["message"] and "pattern" not in finding["message"]


# --- outputs that follow their consumers' rules ------------------------------------------------------


def test_junit_lists_every_checked_receipt_in_every_mode(tmp_path: Path) -> None:
    files = base_files()
    files["releases/v1.37/proposed/7.yaml"] = RECEIPT.replace("accepted", "proposed").replace("2140", "7")
    root = main_and_pr(tmp_path, files)
    commit(root, {ACCEPTED: RECEIPT + "docs-prs: []\n"})
    out = tmp_path / "junit.xml"
    for args, expected in ((["--all"], 2), (["--base", "main"], 1)):
        main(["check", "--repo", str(root), *args, "--now=2026-02-01", "--format=junit", f"--output={out}"])
        cases = [case.get("name") for case in ElementTree.parse(out).iter("testcase")]
        assert ACCEPTED in cases and len(cases) == expected, cases


def test_github_prints_transitions_as_plain_log_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = main_and_pr(tmp_path)
    commit(
        root, {"releases/v1.37/at-risk/2140.yaml": RECEIPT.replace("accepted", "at-risk")}, delete=(ACCEPTED,)
    )
    os.chdir(root)
    assert main(["check", "--base", "main", "--now=2026-02-01", "--format=github"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "v1.37 KEP 2140: accepted -> at-risk" in lines


def test_error_lines_match_prows_highlight_under_prow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = main_and_pr(tmp_path, {**base_files(), ACCEPTED: RECEIPT.replace("stage: alpha", "stage: gamma")})
    os.chdir(root)
    main(["check", "--all", "--now=2026-02-01", "--format=text"])
    assert capsys.readouterr().out.startswith(f"{ACCEPTED}:6:8: error [receipt-schema]")
    monkeypatch.setenv("PROW_JOB_ID", "1234")
    main(["check", "--all", "--now=2026-02-01", "--format=text"])
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith(f"ERROR: {ACCEPTED}:6:8: error [receipt-schema]")
    # Prow's default build-log highlight (kubernetes-sigs/prow, pkg/spyglass/lenses/buildlog/lens.go)
    assert re.search(r"timed out|ERROR:|(FAIL|Failure \[)\b|panic\b|^E\d{4} \d\d:\d\d:\d\d\.\d\d\d]", line)


def test_rules_say_when_severity_follows_the_state(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    [line] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("prr-missing")]
    assert "error in accepted/, warning in proposed/" in line
    assert main(["rules", "--format", "json"]) == 0
    rules = {rule["id"]: rule for rule in json.loads(capsys.readouterr().out)}
    assert rules["kep-status"]["severity_note"].startswith("error in accepted/")
    assert rules["yaml-syntax"] == {
        "id": "yaml-syntax",
        "severity": "error",
        "severity_note": None,
        "scope": "receipt",
        "agreement": False,
        "summary": "A receipt that is not readable, safe, single-document YAML mapping.",
    }


# --- choosing rules -----------------------------------------------------------------------------


def broken(tmp_path: Path, config: str | None = None) -> Path:
    """A receipt with a stage-mismatch (error) and a title mismatch (warning), committed on main."""
    files = base_files()
    files[KEP_FILE] = str(files[KEP_FILE]).replace("stage: alpha", "stage: beta")
    files[ACCEPTED] = RECEIPT.replace("title: Receipts process", "title: Other")
    if config is not None:
        files[".receipt-lint.yaml"] = config
    return main_and_pr(tmp_path, files)


def test_select_and_ignore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = broken(tmp_path)
    assert rules_of(run_json(root, "--all")[1]) >= {"stage-mismatch", "kep-mismatch"}
    code, document = run_json(root, "--all", "--ignore", "stage-mismatch")
    assert "stage-mismatch" not in rules_of(document) and code == 0  # what is left is a warning
    code, document = run_json(root, "--all", "--select", "stage-mismatch,kep-status")
    assert rules_of(document) == {"stage-mismatch"} and code == 1
    assert main(["check", "--repo", str(root), "--all", "--select", "stage-mismatc"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and 'did you mean "stage-mismatch"?' in error


def test_the_repository_file_ignores_and_overrides(tmp_path: Path) -> None:
    root = broken(tmp_path, "ignore: [kep-mismatch]\nseverity:\n  stage-mismatch: warning\n")
    code, document = run_json(root, "--all")
    assert rules_of(document) == {"stage-mismatch"} and code == 0
    assert {d["severity"] for d in document["diagnostics"]} == {"warning"}
    code, document = run_json(root, "--all", "--select", "kep-mismatch,stage-mismatch")  # flags win
    assert rules_of(document) == {"kep-mismatch", "stage-mismatch"}


@pytest.mark.parametrize(
    ("config", "says"),
    [
        (
            "ignore: [stage-mismatc]\n",
            '.receipt-lint.yaml:1:10: no rule "stage-mismatc": did you mean "stage-mismatch"?',
        ),
        ("ignores: []\n", '.receipt-lint.yaml:1:1: unknown key "ignores": did you mean "ignore"?'),
        (
            "severity:\n  stage-mismatch: fatal\n",
            ".receipt-lint.yaml:2:19: severity.stage-mismatch must be one of",
        ),
        ("ignore: [\n", ".receipt-lint.yaml:2:1: YAML syntax"),
    ],
)
def test_a_bad_repository_file_exits_2_saying_where(
    tmp_path: Path, config: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = broken(tmp_path, config)
    assert main(["check", "--repo", str(root), "--all"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and says in error, error


def test_a_change_cannot_switch_off_the_rule_it_breaks(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    commit(
        root,
        {
            ".receipt-lint.yaml": "ignore: [stage-mismatch]\n",
            ACCEPTED: RECEIPT.replace("stage: alpha", "stage: beta"),
        },
    )
    code, document = run_json(root, "--base", "main")
    assert "stage-mismatch" in rules_of(document) and code == 1  # the base had no such file
    assert "stage-mismatch" not in rules_of(run_json(root, "--all")[1])  # the working tree's file


def test_the_config_schema_ships(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "config"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert (
        schema["additionalProperties"] is False
        and "stage-mismatch" in schema["properties"]["ignore"]["items"]["enum"]
    )


# --- found by a newcomer run ------------------------------------------------------------------


def test_the_repository_file_holds_for_the_manifest_and_accept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = base_files("at-risk")
    readme_file = KEP_FILE.replace("kep.yaml", "README.md")
    files[readme_file] = str(files[readme_file]).replace("## Implementation History", "## Later")
    files[".receipt-lint.yaml"] = "ignore: [kep-readme]\n"
    root = main_and_pr(tmp_path, files)
    out = tmp_path / "m.json"
    args = ["manifest", "--repo", str(root), "--release", "v1.37", "--now=2026-01-20", "--format=json"]
    assert main([*args, f"--output={out}"]) == 0
    [entry] = json.loads(out.read_text())["receipts"]
    assert entry["lacks"] == [] and not any("kep-readme" in p for p in entry["problems"])
    os.chdir(root)
    assert (
        main(["accept", "2140", "--release", "v1.37", "--now=2026-01-20"]) == 0
    )  # the README gap is ignored here
    (root / ".receipt-lint.yaml").write_text("ignore: [no-such-rule]\n")
    assert main([*args]) == 2
    assert 'no rule "no-such-rule"' in capsys.readouterr().err


def test_promote_warns_before_moving_a_kep_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = base_files()
    del files[ACCEPTED]
    files[KEP_FILE] = (
        str(files[KEP_FILE]).replace("stage: alpha", "stage: stable").replace("implementable", "implemented")
        + '  beta: "v1.32"\n'
    )
    root = main_and_pr(tmp_path, files)
    os.chdir(root)
    capsys.readouterr()
    assert (
        main(
            [
                "promote",
                "sig-architecture/2140-receipts",
                "--stage",
                "beta",
                "--release",
                "v1.37",
                "--now=2026-01-20",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert (
        "kep.yaml says stage stable; opting in at beta moves it back and replaces milestone.beta (v1.32)"
        in out
    )
    assert "warning: kep.yaml says status implemented" in out


def test_explain_suggests_the_closest_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "stage-mismach"]) == 2
    assert 'did you mean "stage-mismatch"?' in capsys.readouterr().err


def test_a_readme_finding_names_the_receipt(tmp_path: Path) -> None:
    files = base_files()
    readme_file = KEP_FILE.replace("kep.yaml", "README.md")
    files[readme_file] = str(files[readme_file]).replace("## Implementation History", "## Later")
    [finding] = run_json(main_and_pr(tmp_path, files), "--all")[1]["diagnostics"]
    assert finding["path"] == readme_file and f"(for {ACCEPTED}, alpha)" in finding["message"]
