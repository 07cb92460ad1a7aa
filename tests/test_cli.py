"""The command line as users and CI call it: exit codes, formats, help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from receipt_lint.cli import main
from receipt_lint.rules import ALL_RULES
from tests.conftest import RECEIPT, base_files, git_init, write_tree

ACCEPTED = "releases/v1.37/accepted/2140.yaml"
NOW = "--now=2026-02-01"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "repo", base_files())
    git_init(root)
    return root


def test_clean_tree_exits_0_with_a_summary(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--all", "--repo", str(repo), NOW]) == 0
    assert capsys.readouterr().out == "0 errors, 0 warnings, 0 notices in 1 receipt checked\n"


def test_errors_exit_1_in_compiler_style(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ACCEPTED).write_text(RECEIPT.replace("stage: alpha", "stage: gamma"))
    assert main(["check", "--all", "--repo", str(repo), NOW]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (
        f"{ACCEPTED}:6:8: error [receipt-schema] stage must be one of alpha, beta, stable, deprecated, "
        "disabled, removed"
    )


def test_json_matches_the_contract(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ACCEPTED).write_text(RECEIPT.replace("stage: alpha", "stage: beta"))
    assert main(["check", "--all", "--repo", str(repo), NOW, "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {"version", "base", "head", "transitions", "diagnostics", "summary"}
    assert document["version"] == 1 and document["base"] is None and document["head"] == "WORKTREE"
    stage = next(d for d in document["diagnostics"] if d["rule"] == "stage-mismatch")
    assert stage == {
        "rule": "stage-mismatch",
        "severity": "error",
        "path": ACCEPTED,
        "line": 6,
        "column": 8,
        "message": stage["message"],
    }
    assert stage["message"].startswith("stage is beta but keps/sig-architecture/")
    assert document["summary"] == {"errors": 2, "warnings": 1, "notices": 0, "receipts_checked": 1}


def test_file_arguments_filter_the_report(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ACCEPTED).write_text(RECEIPT.replace("stage: alpha", "stage: gamma"))
    os.chdir(repo)
    assert main(["check", "--all", NOW, "releases/v1.37/OWNERS"]) == 0
    assert main(["check", "--all", NOW, ACCEPTED]) == 1


def test_output_file(repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    assert main(["check", "--all", "--repo", str(repo), NOW, "--format=json", f"--output={target}"]) == 0
    assert json.loads(target.read_text())["summary"]["receipts_checked"] == 1


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["check", "--all", "--now", "soon"], '--now: "soon" is not a date (2026-02-05)'),
        (["check", "--all", "--now", "9999-12-31"], "--now: 9999-12-31 is past the year 9998"),
        (["check", "--all", "--now", "20260422"], '--now: "20260422" is not a date'),
        (["check", "--all", "--now", "2026-W17-3"], '--now: "2026-W17-3" is not a date'),
        (["check", "--all", "--release", "1.37"], "use vMAJOR.MINOR"),
        (["check", "--all", "--format", "xml"], "invalid choice"),
        (["check", "--all", "--repo", "/nonexistent/x"], "no such directory"),
        (["check", "--all", "--output", "/nonexistent/x/out"], "cannot write"),
        (["check", "--base", "nope"], 'base revision "nope" is not in this clone'),
        (["explain", "no-such-rule"], "receipt-lint rules"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(
    repo: Path, argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    os.chdir(repo)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert says in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err


def test_outside_a_git_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.chdir(tmp_path)
    assert main(["check"]) == 2  # a change needs git; --all checks a plain folder (test_one_verdict)
    assert "not inside a git repository" in capsys.readouterr().err


def test_without_git_on_the_path_diff_mode_says_so(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(repo))  # a folder with no git in it
    assert main(["check", "--repo", str(repo), "--base", "HEAD", NOW]) == 2
    err = capsys.readouterr().err
    assert "cannot run git" in err and "install git" in err and err.count("\n") == 1


def test_check_never_changes_the_repository(repo: Path) -> None:
    def state() -> str:
        return subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--ignored"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    before = state()
    main(["check", "--all", "--repo", str(repo), NOW])
    assert state() == before == ""


def test_a_diff_check_never_rewrites_the_index(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    receipt = repo / ACCEPTED
    receipt.write_text(receipt.read_text())  # same bytes, new mtime: the index entry is stat-dirty
    os.utime(receipt, (1, 1))
    index = repo / ".git/index"
    before = index.read_bytes()
    main(["check", "--repo", str(repo), "--base", "HEAD", "--staged", NOW])
    capsys.readouterr()
    assert main(["check", "--repo", str(repo), "--base", "HEAD", "--format", "json", NOW]) == 0
    assert index.read_bytes() == before
    assert json.loads(capsys.readouterr().out)["transitions"] == []  # touched, not changed


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [rule.id for rule in ALL_RULES]


def test_explain_prints_the_rule_doc(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "stage-mismatch"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("stage-mismatch (default severity: error)")
    assert "How to fix:" in text


def test_titles_cannot_forge_output_lines(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ACCEPTED).write_text(RECEIPT.replace("title: Receipts process", 'title: "x\\n::error::y"'))
    main(["check", "--all", "--repo", str(repo), NOW])
    assert not any(line.startswith("::") for line in capsys.readouterr().out.splitlines())


def test_colour_only_when_asked(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ACCEPTED).write_text(RECEIPT.replace("stage: alpha", "stage: gamma"))
    main(["check", "--all", "--repo", str(repo), NOW])
    assert "\x1b[" not in capsys.readouterr().out
    monkeypatch.setenv("FORCE_COLOR", "1")
    main(["check", "--all", "--repo", str(repo), NOW])
    assert "\x1b[31merror" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    main(["check", "--all", "--repo", str(repo), NOW])
    assert "\x1b[" not in capsys.readouterr().out


def test_demo_shows_every_kind_of_problem(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for rule in (
        "kep-status",
        "stage-mismatch",
        "status-mismatch",
        "receipt-schema",
        "ready-to-accept",
        "proposed-after-freeze",
        "illegal-transition",
    ):
        assert f"[{rule}]" in out
    assert "v1.37 KEP 1287: at-risk -> accepted\n" in out
    assert "is removed now; `receipt-lint demo --keep DIR` builds it in DIR and keeps it" in out


def test_check_help_finishes_its_sentences(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    assert "report only findings on these files, or on the files under these folders" in " ".join(
        capsys.readouterr().out.split()
    )


def test_the_program_exits_hard_with_main_s_code_and_all_its_output(repo: Path) -> None:
    (repo / ACCEPTED).write_text("title: [unclosed\n")
    argv = [sys.executable, "-m", "receipt_lint", "check", "--all", "--repo", str(repo), NOW]
    piped = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert piped.returncode == 1
    assert piped.stdout.endswith("1 error, 0 warnings, 0 notices in 1 receipt checked\n")
    assert main(argv[3:]) == 1  # the same verdict in-process
    mistake = subprocess.run([*argv, "--release", "1.37"], capture_output=True, text=True, check=False)
    assert mistake.returncode == 2 and mistake.stderr.count("\n") == 1


def test_the_console_script_and_module_agree() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "receipt_lint", "rules"], capture_output=True, text=True, check=True
    )
    assert "stage-mismatch" in result.stdout
