"""The workflow commands on real throwaway repositories."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from receipt_lint.cli import main
from tests.conftest import KEP, PRR, README, git_init, write_tree

NOW = "--now=2026-01-20"
KEP_FILE = "keps/sig-architecture/2140-receipts/kep.yaml"
ODD_KEP = """\
# The KEP's metadata: comments must survive
title: Receipts process   # keep me
kep-number: 2140
authors:
  - '@author'    # single quotes, odd spacing
owning-sig: sig-architecture
status: implementable
approvers: ["@lead"]
creation-date: 2025-10-01
stage: 'alpha'
latest-milestone: v1.37
milestone:
    alpha: "v1.37"   # four-space indent
    beta:
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write_tree(
        tmp_path / "repo",
        {
            "OWNERS_ALIASES": "aliases:\n  prod-readiness-approvers:\n    - johnbelamaric\n",
            KEP_FILE: KEP,
            KEP_FILE.replace("kep.yaml", "README.md"): README,
            "keps/prod-readiness/sig-architecture/2140.yaml": PRR,
        },
    )
    git_init(root)
    subprocess.run(["git", "-C", str(root), "branch", "-M", "main"], check=True)
    os.chdir(root)
    return root


def rl(*args: str) -> int:
    """A command at the tests' time (NOW), unless it gives its own --now."""
    return main(list(args) if any(arg.startswith("--now") for arg in args) else [*args, NOW])


def exception_request(release: str, freeze: str, *, days: str = "2", reason: str = "r") -> tuple[str, ...]:
    """The argv of a complete exception request for KEP 2140."""
    answers = ("--reason", reason, "--risks-of-adding", "a", "--risks-of-cutting", "c")
    return (
        "exception",
        "request",
        "2140",
        "--release",
        release,
        "--freeze",
        freeze,
        "--additional-days",
        days,
        *answers,
    )


def check_passes(root: Path) -> None:
    assert main(["check", "--all", NOW]) == 0
    assert main(["check", "--base", "main", NOW]) == 0


def fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if ".git" not in p.parts and p.is_file()):
        digest.update(str(path).encode() + path.read_bytes())
    status = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True, check=True
    ).stdout
    return digest.hexdigest() + status


def commit(root: Path) -> None:
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "step"],
        check=True,
    )


def test_a_release_end_to_end(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        rl(
            "create-release",
            "v1.38",
            "--owner",
            "lead",
            "--enhancements-freeze",
            "2026-02-12",
            "--code-freeze",
            "2026-03-19",
            "--release-date",
            "2026-04-22",
        )
        == 0
    )
    assert sorted(p.name for p in (repo / "releases/v1.38").iterdir()) == [
        "OWNERS",
        "accepted",
        "at-risk",
        "exception",
        "proposed",
        "removed",
        "schedule.yaml",
    ]
    assert rl("promote", "sig-architecture/2140-receipts", "--stage", "beta", "--release", "v1.38") == 0
    out = capsys.readouterr().out
    assert "==> KEP 2140 proposed for v1.38" in out
    assert "--> still needed before it can be accepted:" in out and "no beta approver" in out
    check_passes(repo)
    commit(repo)
    assert rl("accept", "2140", "--release", "v1.38") == 1  # no beta PRR approval yet
    assert "move" not in capsys.readouterr().out
    assert rl("accept", "2140", "--release", "v1.38", "--at-risk") == 0
    assert "==> KEP 2140 moved to at-risk" in capsys.readouterr().out
    status = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True).stdout
    assert status.startswith("R  releases/v1.38/proposed/2140.yaml -> releases/v1.38/at-risk/2140.yaml")
    check_passes(repo)
    commit(repo)  # each step is its own pull request, merged before the next
    (repo / "keps/prod-readiness/sig-architecture/2140.yaml").write_text(
        PRR + 'beta:\n  approver: "@johnbelamaric"\n'
    )
    for step in (
        ("accept", "2140"),
        ("remove", "2140"),
        (
            "exception",
            "request",
            "2140",
            "--freeze",
            "code",
            "--additional-days",
            "3",
            "--reason",
            "users need it",
            "--risks-of-adding",
            "low",
            "--risks-of-cutting",
            "waits",
            "--now=2026-03-20T12:00:00Z",  # after code freeze: a request comes after the freeze it asks for
        ),
        ("exception", "accept", "2140"),
        ("accept", "2140"),
    ):
        assert rl(*step, "--release", "v1.38") == 0, step
        check_passes(repo)
        commit(repo)
    assert "Why is this enhancement critical" in capsys.readouterr().out
    final = (repo / "releases/v1.38/accepted/2140.yaml").read_text()
    assert "tracking-status: accepted" in final and 'reason: "users need it"' in final
    assert main(["manifest", "--release", "v1.38", "--format=json", "--output=m.json", NOW]) == 0
    document = json.loads(Path("m.json").read_text())
    assert document["counts"]["by_state"] == {
        "proposed": 0,
        "accepted": 1,
        "at-risk": 0,
        "exception": 0,
        "removed": 0,
    }
    assert document["receipts"][0]["type"] == "Graduating"


@pytest.mark.parametrize(
    "argv",
    [
        ("accept", "2140", "--release", "v1.37"),  # accepted -> accepted
        exception_request("v1.37", "code"),  # accepted -> exception
        ("exception", "accept", "2140", "--release", "v1.37"),  # not in exception
        ("remove", "9999", "--release", "v1.37"),  # unknown KEP
        ("promote", "sig-architecture/2140-receipts", "--stage", "beta", "--release", "v1.37"),  # exists
        ("create-release", "v1.37"),  # exists
    ],
)
def test_refused_commands_change_nothing(
    repo: Path, argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert rl("create-release", "v1.37", "--owner", "lead") == 0
    assert rl("promote", "sig-architecture/2140-receipts", "--stage", "alpha", "--release", "v1.37") == 0
    commit(repo)  # the opt-in merged: the acceptance is a pull request of its own
    assert rl("accept", "2140", "--release", "v1.37") == 0
    before = fingerprint(repo)
    capsys.readouterr()
    assert rl(*argv) == 1
    assert fingerprint(repo) == before
    assert capsys.readouterr().err.rstrip().endswith("(nothing was changed)")


@pytest.mark.parametrize(
    "argv",
    [
        ("remove", "2140", "--release", "v1.99"),  # missing release
        ("promote", "sig-node/1-nope", "--stage", "beta", "--release", "v1.37"),  # unknown KEP
    ],
)
def test_values_that_name_nothing_are_bad_arguments(
    repo: Path, argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert rl("create-release", "v1.37", "--owner", "lead") == 0
    before = fingerprint(repo)
    capsys.readouterr()
    assert rl(*argv) == 2
    assert fingerprint(repo) == before
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_promote_changes_only_the_lines_it_must(repo: Path) -> None:
    (repo / KEP_FILE).write_text(ODD_KEP)
    assert rl("create-release", "v1.38") == 0
    assert rl("promote", "sig-architecture/2140-receipts", "--stage", "beta", "--release", "v1.38") == 0
    after = (repo / KEP_FILE).read_text().splitlines()
    before = ODD_KEP.splitlines()
    changed = {i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new}
    assert [before[i] for i in sorted(changed)] == ["stage: 'alpha'", "latest-milestone: v1.37", "    beta:"]
    assert [after[i] for i in sorted(changed)] == [
        "stage: 'beta'",
        "latest-milestone: v1.38",
        '    beta: "v1.38"',
    ]


def test_promote_after_the_opt_in_deadline_points_to_exceptions(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    created = ("create-release", "v1.38", "--enhancements-freeze", "2026-01-10", "--now=2026-01-01")
    assert main(list(created)) == 0
    assert rl("promote", "sig-architecture/2140-receipts", "--stage", "beta", "--release", "v1.38") == 1
    assert (
        "receipt-lint exception request 2140 --release v1.38 --freeze enhancements" in capsys.readouterr().err
    )
    assert rl(*exception_request("v1.38", "enhancements")) == 0
    assert (repo / "releases/v1.38/exception/2140.yaml").exists()
    assert 'latest-milestone: "v1.38"' in (repo / KEP_FILE).read_text()
    assert staged(repo) == {"releases/v1.38/exception/2140.yaml": "A ", KEP_FILE: "M "}  # a late opt-in
    check_passes(repo)


def staged(root: Path) -> dict[str, str]:
    """path -> git's two-letter status, for the files the work tree changes (releases/ and keps/)."""
    lines = subprocess.run(
        [
            "git",
            "-C",
            str(root),
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            "releases/v1.38",
            "keps",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return {
        line[3:]: line[:2] for line in lines if not line.endswith(("OWNERS", ".gitkeep", "schedule.yaml"))
    }


def test_an_opt_in_is_staged_but_not_the_authors_own_kep_edits(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert rl("create-release", "v1.38") == 0
    commit(repo)
    promote = ("promote", "sig-architecture/2140-receipts", "--stage", "beta", "--release", "v1.38")
    assert rl(*promote) == 0
    assert staged(repo) == {"releases/v1.38/proposed/2140.yaml": "A ", KEP_FILE: "M "}
    assert main(["check", "--staged", NOW]) == 0  # what pre-commit sees is the whole opt-in
    subprocess.run(["git", "-C", str(repo), "reset", "-q", "--hard"], check=True)
    subprocess.run(["git", "-C", str(repo), "clean", "-qfd"], check=True)
    capsys.readouterr()
    (repo / KEP_FILE).write_text((repo / KEP_FILE).read_text() + "# a note of the author's, not staged\n")
    assert rl(*promote) == 0
    assert staged(repo) == {"releases/v1.38/proposed/2140.yaml": "A ", KEP_FILE: " M"}
    assert (
        f"--> {KEP_FILE} also holds changes of yours, or is new: review it, then git add it"
        in capsys.readouterr().out
    )


def test_a_refused_opt_in_writes_and_stages_nothing(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert rl("create-release", "v1.38") == 0
    (repo / ".receipt-lint.yaml").write_text("ignore: [x\n")  # a config that cannot be read
    commit(repo)
    promote = ("promote", "sig-architecture/2140-receipts", "--stage", "beta", "--release", "v1.38")
    assert rl(*promote) == 1
    assert "nothing was changed" in capsys.readouterr().err
    status = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, check=True)
    assert status.stdout == ""


def test_a_new_keps_own_kep_yaml_is_left_for_its_author_to_stage(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert rl("create-release", "v1.38") == 0
    commit(repo)
    new = "keps/sig-node/3000-new/kep.yaml"
    write_tree(repo, {new: KEP.replace("2140", "3000").replace("sig-architecture", "sig-node")})
    assert rl("promote", "sig-node/3000-new", "--stage", "alpha", "--release", "v1.38") == 0
    assert f"--> {new} also holds changes of yours, or is new" in capsys.readouterr().out
    status = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, check=True)
    assert "A  releases/v1.38/proposed/3000.yaml" in status.stdout and "?? keps/" in status.stdout


def test_the_refusal_names_the_freeze_that_passed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dates = ("--prr-freeze", "2026-01-10", "--enhancements-freeze", "2026-01-30", "--now=2026-01-01")
    assert main(["create-release", "v1.38", *dates]) == 0
    assert rl("promote", "sig-architecture/2140-receipts", "--stage", "beta", "--release", "v1.38") == 1
    assert "--freeze prr" in capsys.readouterr().err


def test_a_file_that_cannot_be_staged_is_said(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".git/index.lock").write_text("")  # another git is at work
    assert rl("create-release", "v1.38") == 0
    assert "--> could not stage releases/v1.38:" in capsys.readouterr().out
