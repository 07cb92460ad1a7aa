"""Issue 18, from an adversarial review of its fixes: each case failed before its fix."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from receipt_lint.cli import main
from receipt_lint.model import readme
from receipt_lint.model.loader import load
from tests.conftest import KEP, README, RECEIPT, base_files, write_tree
from tests.test_corners import ACCEPTED, KEP_FILE, commit, git, main_and_pr
from tests.test_diff import rules_of, run_json
from tests.test_workflow import exception_request, fingerprint, rl
from tests.test_workflow import repo as repo  # the fixture: a KEP and its PRR file, committed
from tests.test_workflow_trust import V137


@pytest.mark.parametrize("title", ["yes", "123", "1.0", "0x1F", "2026-01-01", "null", "on"])
def test_fix_quotes_a_title_yaml_would_read_as_something_else(
    tmp_path: Path, title: str, capsys: pytest.CaptureFixture[str]
) -> None:
    files = base_files()
    files[KEP_FILE] = KEP.replace("title: Receipts process", f"title: '{title}'")
    root = main_and_pr(tmp_path, files)
    os.chdir(root)
    assert main(["check", "--all", "--fix", "--now=2026-01-20"]) == 0
    assert f"fixed {ACCEPTED}:1 title" in capsys.readouterr().err
    import yaml

    assert yaml.safe_load((root / ACCEPTED).read_text())["title"] == title  # a YAML 1.1 reader agrees


def test_fix_in_diff_mode_leaves_removed_receipts_as_all_does(tmp_path: Path) -> None:
    files = base_files()
    files["releases/v1.36/OWNERS"] = "approvers:\n  - lead\n"
    files["releases/v1.36/removed/2140.yaml"] = RECEIPT.replace("accepted", "removed")
    root = main_and_pr(tmp_path, files)
    kep = root / KEP_FILE
    kep.write_text(kep.read_text().replace("title: Receipts process", "title: Receipts, v2"))
    os.chdir(root)
    main(["check", "--base", "main", "--fix", "--now=2026-01-20"])
    assert load((root / ACCEPTED).read_bytes()).data["title"] == "Receipts, v2"
    assert load((root / "releases/v1.36/removed/2140.yaml").read_bytes()).data["title"] == "Receipts process"


def test_fix_makes_what_one_fix_uncovers_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = base_files()
    files[ACCEPTED] = RECEIPT.replace("tracking-status: accepted", "tracking-status: atrisk").replace(
        "owning-sig: sig-architecture", "owning-sig: sig-arch"
    )
    root = main_and_pr(tmp_path, files)
    os.chdir(root)
    assert main(["check", "--all", "--fix", "--now=2026-01-20"]) == 0
    err = capsys.readouterr().err
    assert "tracking-status" in err and "owning-sig" in err


def test_a_schedule_that_is_a_folder_is_one_finding_in_every_mode(tmp_path: Path) -> None:
    root = main_and_pr(tmp_path)
    commit(root, {"releases/v1.37/schedule.yaml/x": "a\n"})
    seen = set()
    for mode in (["--all"], ["--all", "--staged"], ["--all", "--head", "HEAD"]):
        document = run_json(root, *mode)[1]
        seen.add(
            tuple(sorted(d["message"] for d in document["diagnostics"] if d["rule"] == "schedule-schema"))
        )
    assert seen == {("releases/v1.37/schedule.yaml is a folder, not a file",)}


def test_manifest_markdown_escapes_titles(tmp_path: Path) -> None:
    files = base_files()
    files[ACCEPTED] = RECEIPT.replace("title: Receipts process", 'title: "A <b>x</b> \\r <!-- split"')
    root = main_and_pr(tmp_path, files)
    out = tmp_path / "m.md"
    main(["manifest", "--repo", str(root), "--release=v1.37", "--now=2026-01-20", f"--output={out}"])
    text = out.read_text()
    row = next(line for line in text.splitlines() if "2140" in line and "A " in line)
    assert "<b>" not in text and "<!--" not in text and "\r" not in text and "&lt;b&gt;" in row


@pytest.mark.parametrize(
    "config",
    [
        "ignore: [config-schema, no-such-rule]\n",
        "severity:\n  config-schema: notice\nignore: [no-such-rule]\n",
    ],
)
def test_the_file_cannot_switch_off_its_own_check(tmp_path: Path, config: str) -> None:
    root = main_and_pr(tmp_path)
    commit(root, {".receipt-lint.yaml": config})
    code, document = run_json(root, "--base", "main")
    errors = [d for d in document["diagnostics"] if d["rule"] == "config-schema" and d["severity"] == "error"]
    assert code == 1 and any("checks this file itself" in d["message"] for d in errors)


@pytest.mark.parametrize("text", ["---\n", "null\n", "~\n", "--- # nothing yet\n"])
def test_a_null_document_is_an_empty_configuration(tmp_path: Path, text: str) -> None:
    files = base_files()
    files[".receipt-lint.yaml"] = text
    assert run_json(main_and_pr(tmp_path, files), "--all")[0] == 0


def test_a_verb_that_cannot_write_changes_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert rl(*V137) == 0
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    (repo / "releases/v1.37/proposed/2140.yaml").mkdir(parents=True)  # a folder where the receipt goes
    before = fingerprint(repo)
    assert rl("promote", "2140", "--stage", "alpha", "--release", "v1.37") == 1
    err = capsys.readouterr().err
    assert "is a folder" in err and "internal error" not in err and fingerprint(repo) == before


def test_write_together_rolls_back_on_a_failure(repo: Path) -> None:
    from receipt_lint.workflow.workspace import WorkflowError, Workspace
    from tests.conftest import NOW

    ws = Workspace(repo, NOW)
    (repo / "releases").mkdir()
    (repo / "releases/blocker").write_text("a file where a folder goes")
    before = fingerprint(repo)
    with pytest.raises(WorkflowError, match="is a file where a folder must be"):
        ws.write_together({"releases/v9.9/OWNERS": "x", "releases/blocker/x.yaml": "y"})
    assert fingerprint(repo) == before and not (repo / "releases/v9.9").exists()


def test_the_readme_reader_takes_inline_code_for_inline_code() -> None:
    text = README.replace("## Summary", "## Summary\n\n```kubectl get pods``` lists them.")
    if "## Summary" not in README:
        text = "```kubectl get pods``` lists them.\n\n" + README
    assert readme.gaps(readme.read(text), "beta") == []


@pytest.mark.parametrize("marker", ["+", "1.", "2)"])
def test_a_box_after_any_list_marker_counts(marker: str) -> None:
    text = README.replace("[x] I/we understand", f"{marker} [x] I/we understand")
    assert readme.gaps(readme.read(text), "beta") == []


def test_check_all_in_a_folder_with_nothing_to_check_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.chdir(write_tree(tmp_path / "empty", {"notes.txt": "hello"}))
    assert main(["check", "--all"]) == 2
    assert "holds no releases/ and no keps/" in capsys.readouterr().err


def test_promote_by_number_names_the_folder_whose_kep_yaml_says_another(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = repo / "keps/sig-node/2043-pod-resources"
    other.mkdir(parents=True)
    (other / "kep.yaml").write_text(KEP.replace("kep-number: 2140", "kep-number: 1884"))
    assert rl(*V137) == 0
    assert rl("promote", "2043", "--stage", "alpha", "--release", "v1.37") == 2
    assert "sig-node/2043-pod-resources (its kep.yaml says kep-number: 1884)" in capsys.readouterr().err


def test_the_pull_request_text_indents_answers_and_shows_controls(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert rl(*V137) == 0 and rl("promote", "2140", "--stage", "alpha", "--release", "v1.37") == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "opt in")
    assert rl("accept", "2140", "--release", "v1.37", "--at-risk") == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "at risk")
    capsys.readouterr()
    argv = exception_request("v1.37", "enhancements", days="3", reason="first line\nsecond \x1b[31mred")
    assert rl(*argv) == 0
    out = capsys.readouterr().out
    assert "  first line\n  second \\x1b[31mred" in out and "\x1b" not in out


def test_additional_days_have_a_ceiling(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = exception_request("v1.37", "code", days="99999999999999999999")
    assert rl(*argv) == 2
    assert "at most 365 days" in capsys.readouterr().err


@pytest.mark.parametrize(
    "url",
    ["https://github.com/etcd-io/etcd/pull/1", "https://github.com/containerd/containerd/pull/22"],
)
def test_pull_requests_of_any_owner(tmp_path: Path, url: str) -> None:
    files = base_files()
    files[ACCEPTED] = RECEIPT + f"implementation-prs: [{url}]\ndocs-prs: [{url}]\n"
    code, document = run_json(main_and_pr(tmp_path, files), "--all")
    assert code == 0 and "receipt-schema" not in rules_of(document), json.dumps(document)
