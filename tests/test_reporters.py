"""CI reporters: GitHub annotations, JUnit for Prow, SARIF; hostile names and titles."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree as ET

import pytest

from receipt_lint.cli import main
from receipt_lint.engine.check import Result, Transition
from receipt_lint.model.findings import Finding, Severity
from receipt_lint.reporters import github, junit, sarif
from receipt_lint.rules import ALL_RULES
from tests.conftest import RECEIPT, base_files, git_init, write_tree

HOSTILE_PATH = "releases/v1.37/accepted/a,b:c%d.yaml"
HOSTILE_MESSAGE = "title x\n::error file=evil::pwned\r\n##[set-output name=x;]y %0A"


def result() -> Result:
    findings = (
        Finding("kep-value", Severity.WARNING, "keps/x/kep.yaml", "odd", 3, 1),
        Finding("receipt-schema", Severity.ERROR, HOSTILE_PATH, HOSTILE_MESSAGE, 2, 5),
        Finding("ready-to-accept", Severity.NOTICE, "releases/v1.37/at-risk/1.yaml", "ready", None, None),
    )
    transitions = (Transition("v1.37", "1", "at-risk", "accepted", "releases/v1.37/accepted/1.yaml", True),)
    return Result("abc", "WORKTREE", findings, 2, transitions)


def github_output(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[str, str]:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    stream = io.StringIO()
    github.report(result(), stream)
    return stream.getvalue(), summary.read_text()


def test_annotations_are_escaped_like_the_actions_toolkit() -> None:
    line = github.annotation(result().findings[1])
    assert line == (
        "::error file=releases/v1.37/accepted/a%2Cb%3Ac%25d.yaml,title=receipt-lint receipt-schema,"
        "line=2,col=5::title x%0A::error file=evil::pwned%0D%0A#\u200b#[set-output name=x;]y %250A"
    )


def test_no_repository_text_can_start_a_workflow_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out, _ = github_output(monkeypatch, tmp_path)
    lines = out.splitlines()
    token = re.fullmatch(r"::stop-commands::([0-9a-f]{32})", lines[3])
    assert token is not None and f"::{token[1]}::" in lines
    commands = [line for line in lines if line.lstrip().startswith("::")]
    assert all(
        line.startswith(("::error ", "::warning ", "::notice ", "::stop-commands::", f"::{token[1]}::"))
        for line in commands
    )
    assert len(commands) == 5 and "##[" not in out.replace("#\u200b#[", "")


def test_errors_are_annotated_first_and_everything_is_logged(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out, summary = github_output(monkeypatch, tmp_path)
    assert [line.split()[0] for line in out.splitlines()[:3]] == ["::error", "::warning", "::notice"]
    assert "keps/x/kep.yaml:3:1: warning [kep-value] odd" in out
    assert "| v1.37 | 1 | at-risk | accepted | yes |" in summary
    assert "| error | `receipt-schema` |" in summary and "\\n::error" in summary


def test_junit_has_a_testcase_per_receipt_and_a_failure_per_error() -> None:
    root = ET.fromstring(junit.render(result()))
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert set(cases) == {
        HOSTILE_PATH,
        "keps/x/kep.yaml",
        "releases/v1.37/at-risk/1.yaml",
        "releases/v1.37/accepted/1.yaml",
    }
    failure = cases[HOSTILE_PATH].find("failure")
    assert failure is not None and failure.get("type") == "receipt-schema"
    assert cases["keps/x/kep.yaml"].find("failure") is None
    assert root.find("testsuite").get("failures") == "1"  # type: ignore[union-attr]


def test_junit_survives_control_characters() -> None:
    bad = Result(None, "WORKTREE", (Finding("yaml-syntax", Severity.ERROR, "a\x01.yaml", "x\x00y\x1b"),), 1)
    assert ET.fromstring(junit.render(bad)).find(".//failure") is not None


def test_sarif_document() -> None:
    document = sarif.document(result())
    run = document["runs"][0]
    assert document["version"] == "2.1.0"
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == [rule.id for rule in ALL_RULES]
    assert all(rule["shortDescription"]["text"] for rule in run["tool"]["driver"]["rules"])
    first = run["results"][1]
    assert first["level"] == "error" and first["ruleId"] == "receipt-schema"
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": quote(HOSTILE_PATH, safe="/")},
        "region": {"startLine": 2, "startColumn": 5},
    }
    # a finding with no line still gets one: GitHub's upload rejects or misplaces a result without it
    assert run["results"][2]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1,
        "startColumn": 1,
    }
    assert all("region" in r["locations"][0]["physicalLocation"] for r in run["results"])
    assert run["results"][2]["level"] == "note"


def check_all_cli(repo: Path, *extra: str) -> int:
    return main(["check", "--all", "--repo", str(repo), "--now=2026-02-01", *extra])


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "repo", base_files())
    git_init(root)
    (root / "releases/v1.37/accepted/2140.yaml").write_text(RECEIPT.replace("stage: alpha", "stage: gamma"))
    return root


def test_github_is_the_default_under_actions(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert main(["check", "--all", "--repo", str(repo), "--now=2026-02-01"]) == 1
    assert capsys.readouterr().out.startswith("::error file=releases/v1.37/accepted/2140.yaml,")


def test_prow_artifacts_get_junit_whatever_the_format(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    artifacts = tmp_path / "artifacts"
    monkeypatch.setenv("ARTIFACTS", str(artifacts))
    assert check_all_cli(repo, "--format=json", f"--output={tmp_path / 'out.json'}") == 1
    xml = ET.parse(artifacts / "junit_receipt-lint.xml").getroot()
    assert xml.find(".//failure").get("type") == "receipt-schema"  # type: ignore[union-attr]
    assert json.loads((tmp_path / "out.json").read_text())["summary"]["errors"] == 1


@pytest.mark.parametrize("name", ["sarif", "junit", "github", "text", "json"])
def test_every_format_writes_to_output(
    repo: Path, tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    target = tmp_path / f"report.{name}"
    assert check_all_cli(repo, f"--format={name}", f"--output={target}") == 1
    assert "receipt-schema" in target.read_text()
