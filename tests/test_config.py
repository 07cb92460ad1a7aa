"""Issue 18.3: the rule configuration cannot lock a repository (CLI contract, `.receipt-lint.yaml`)."""

from __future__ import annotations

import pytest

from receipt_lint.cli import main
from tests.conftest import RECEIPT, base_files
from tests.test_corners import ACCEPTED, commit, git, main_and_pr
from tests.test_diff import rules_of, run_json

CONFIG = ".receipt-lint.yaml"
BAD = "ignore:\n  - kep-status\n  - no-such-rule\nseverity:\n  stage-mismatch: fatal\n  kep-readme: warning\n"


def config_findings(document: dict) -> list[tuple[str, int | None, str]]:  # type: ignore[type-arg]
    return [
        (d["severity"], d["line"], d["message"])
        for d in document["diagnostics"]
        if d["rule"] == "config-schema"
    ]


def test_a_change_adding_an_invalid_file_fails_on_the_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = main_and_pr(tmp_path)
    commit(root, {CONFIG: BAD})
    code, document = run_json(root, "--base", "main")
    assert code == 1
    found = config_findings(document)
    assert [(severity, line) for severity, line, _ in found] == [("error", 3), ("error", 5)]
    assert 'no rule "no-such-rule"' in found[0][2] and "must be one of" in found[1][2]
    assert {d["path"] for d in document["diagnostics"] if d["rule"] == "config-schema"} == {CONFIG}


def test_an_invalid_base_file_does_not_stop_the_repair(tmp_path) -> None:  # type: ignore[no-untyped-def]
    files = base_files()
    files[CONFIG] = BAD
    root = main_and_pr(tmp_path, files)
    commit(root, {CONFIG: "ignore: [kep-status]\n"})
    code, document = run_json(root, "--base", "main")
    assert code == 0, document
    [(severity, line, message), *_] = config_findings(document)
    assert severity == "warning" and "base's .receipt-lint.yaml is invalid" in message


def test_an_invalid_base_file_switches_no_rule_off(tmp_path) -> None:  # type: ignore[no-untyped-def]
    files = base_files()
    files[CONFIG] = "ignore: [stage-mismatch, no-such-rule]\n"
    root = main_and_pr(tmp_path, files)
    commit(root, {ACCEPTED: RECEIPT.replace("stage: alpha", "stage: beta")})
    code, document = run_json(root, "--base", "main")
    assert code == 1 and "stage-mismatch" in rules_of(document)
    assert [s for s, _, _ in config_findings(document)] == ["warning"]


@pytest.mark.parametrize("text", ["", "\n", "# nothing switched off yet\n"])
def test_an_empty_file_is_an_empty_configuration(tmp_path, text: str) -> None:  # type: ignore[no-untyped-def]
    files = base_files()
    files[CONFIG] = text
    root = main_and_pr(tmp_path, files)
    assert run_json(root, "--all")[0] == 0
    commit(root, {ACCEPTED: RECEIPT.replace("stage: alpha", "stage: beta")})
    code, document = run_json(root, "--base", "main")
    assert code == 1 and "stage-mismatch" in rules_of(document) and not config_findings(document)


def test_with_all_every_problem_is_said_at_once_in_line_order(  # type: ignore[no-untyped-def]
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = base_files()
    files[CONFIG] = BAD
    root = main_and_pr(tmp_path, files)
    git(root, "checkout", "-q", "main")
    assert main(["check", "--repo", str(root), "--all"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.index(":3:5: no rule") < error.index(":5:19: severity.stage-mismatch must be one of")
