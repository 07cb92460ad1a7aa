"""Issue 11: refusals, exact edits, a second exception and check --fix, on real throwaway repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from receipt_lint.cli import main
from receipt_lint.model.loader import load
from receipt_lint.workflow.edit import append_block, remove_key, set_value
from tests.conftest import EXCEPTION_BLOCK, KEP, PRR
from tests.test_workflow import KEP_FILE, check_passes, commit, exception_request, fingerprint, rl
from tests.test_workflow import repo as repo  # the fixture: a KEP and its PRR file, committed


def request_with(index: int, value: str) -> tuple[str, ...]:
    """An exception request for v1.37 with one argument replaced."""
    argv = list(exception_request("v1.37", "code"))
    argv[index] = value
    return tuple(argv)


V137 = (
    "create-release",
    "v1.37",
    "--owner",
    "lead",
    "--code-freeze",
    "2026-03-19",
    "--release-date",
    "2026-04-22",
)
PROMOTE = ("promote", "sig-architecture/2140-receipts", "--stage", "alpha", "--release", "v1.37")


@pytest.fixture
def released(repo: Path) -> Path:
    """v1.37 with KEP 2140 accepted, committed: the opt-in and the acceptance, each its own pull request."""
    assert rl(*V137) == 0 and rl(*PROMOTE) == 0
    commit(repo)
    assert rl("accept", "2140", "--release", "v1.37") == 0
    commit(repo)
    return repo


# --- bad values exit 2 with one line -----------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (
            ("promote", "sig-architecture/2140-receipts", "--stage", "alpha", "--release", "1.37"),
            "vMAJOR.MINOR",
        ),
        (("promote", "sig-architecture/2140-receipts", "--stage", "gamma", "--release", "v1.37"), "--stage"),
        (("accept", "2140", "--release", "1.37"), "vMAJOR.MINOR"),
        (("remove", "2140", "--release", "v1"), "vMAJOR.MINOR"),
        (("exception", "accept", "2140", "--release", "x"), "vMAJOR.MINOR"),
        (("create-release", "1.38"), "vMAJOR.MINOR"),
        (("create-release", "v1.38", "--code-freeze", "tomorrow"), '--code-freeze: "tomorrow" is not a date'),
        (("create-release", "v1.38", "--release-date", "2025-01-01"), "has passed"),
        (
            ("create-release", "v1.38", "--code-freeze", "2026-04-01", "--release-date", "2026-03-01"),
            "--release-date is before --code-freeze",
        ),
        (
            request_with(8, "0"),
            "one day or more",
        ),
        (
            request_with(8, "abc"),
            "invalid int",
        ),
        (
            request_with(10, "  "),
            "--reason is empty",
        ),
    ],
)
def test_bad_values_exit_2_with_one_line(
    released: Path, argv: tuple[str, ...], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = fingerprint(released)
    capsys.readouterr()
    assert rl(*argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and says in error, error
    assert fingerprint(released) == before


def test_a_bad_now_exits_2_on_every_verb(released: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for verb in (
        ("accept", "2140", "--release", "v1.37"),
        ("create-release", "v1.39"),
        exception_request("v1.37", "code"),
    ):
        assert main([*verb, "--now", "soon"]) == 2
        assert '--now: "soon" is not a date' in capsys.readouterr().err


def test_create_release_may_back_fill_the_past(repo: Path) -> None:
    assert rl("create-release", "v1.30", "--release-date", "2024-08-13", "--allow-past") == 0
    assert (repo / "releases/v1.30/schedule.yaml").read_text() == "release: 2024-08-13\n"


# --- closed releases and --now ------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ("accept", "2140", "--release", "v1.37", "--at-risk"),
        ("remove", "2140", "--release", "v1.37"),
        exception_request("v1.37", "code"),
        ("promote", "sig-architecture/7-other", "--stage", "alpha", "--release", "v1.37"),
    ],
)
def test_every_verb_refuses_a_shipped_release(
    released: Path, argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    (released / "keps/sig-architecture/7-other").mkdir()
    (released / "keps/sig-architecture/7-other/kep.yaml").write_text(KEP.replace("2140", "7"))
    before = fingerprint(released)
    capsys.readouterr()
    assert main([*argv, "--now=2026-05-01"]) == 1
    assert "v1.37 has shipped" in capsys.readouterr().err
    assert fingerprint(released) == before
    assert main([*argv, "--now=2026-03-01"]) in (0, 1)  # before the release date --now lets it through


def test_promote_refuses_a_shipped_release_without_freezes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["create-release", "v1.36", "--release-date", "2026-01-10", "--now=2026-01-01"]) == 0
    assert rl("promote", "sig-architecture/2140-receipts", "--stage", "alpha", "--release", "v1.36") == 1
    assert "v1.36 has shipped" in capsys.readouterr().err
    assert not (repo / "releases/v1.36/proposed/2140.yaml").exists()


# --- the KEP's own number -----------------------------------------------------------------------


def test_a_kep_is_known_by_the_number_its_kep_yaml_writes(repo: Path) -> None:
    folder = repo / "keps/sig-node/2043-pod-resource-concrete-assigments"
    folder.mkdir(parents=True)
    (folder / "kep.yaml").write_text(KEP.replace("2140", "1884").replace("sig-architecture", "sig-node"))
    (repo / "keps/prod-readiness/sig-node").mkdir(parents=True)
    (repo / "keps/prod-readiness/sig-node/1884.yaml").write_text(PRR.replace("2140", "1884"))
    assert rl(*V137) == 0
    assert (
        rl(
            "promote",
            "sig-node/2043-pod-resource-concrete-assigments",
            "--stage",
            "alpha",
            "--release",
            "v1.37",
        )
        == 0
    )
    receipt = (repo / "releases/v1.37/proposed/1884.yaml").read_text()
    assert (
        "kep-number: 1884\n" in receipt and "path: sig-node/2043-pod-resource-concrete-assigments" in receipt
    )
    assert not (repo / "releases/v1.37/proposed/2043.yaml").exists()
    check_passes(repo)
    assert main(["create-release", "v1.38", "--now=2026-01-01"]) == 0
    late = exception_request("v1.38", "enhancements")
    assert main([late[0], late[1], "1884", *late[3:], "--now=2026-01-20"]) == 0  # a late opt-in finds it
    assert (repo / "releases/v1.38/exception/1884.yaml").exists()


# --- exact edits --------------------------------------------------------------------------------


def test_a_crlf_kep_yaml_stays_crlf_on_every_line(repo: Path) -> None:
    crlf = KEP.replace("\n", "\r\n").replace('  alpha: "v1.37"\r\n', '  alpha: "v1.37"\r\n')
    (repo / KEP_FILE).write_bytes(crlf.encode())
    assert rl("create-release", "v1.38") == 0
    assert rl("promote", "sig-architecture/2140-receipts", "--stage", "beta", "--release", "v1.38") == 0
    after = (repo / KEP_FILE).read_bytes().decode()
    lines = after.split("\r\n")
    assert "\n" not in "".join(lines) and after.endswith("\r\n")
    changed = [line for line in lines if line not in crlf.split("\r\n")]
    assert changed == ["stage: beta", 'latest-milestone: "v1.38"', '  beta: "v1.38"']


def test_a_receipt_without_a_final_newline_gets_one_before_the_block(released: Path) -> None:
    path = released / "releases/v1.37/accepted/2140.yaml"
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    commit(released)
    assert rl("accept", "2140", "--release", "v1.37", "--at-risk") == 0
    commit(released)
    assert rl(*exception_request("v1.37", "enhancements")) == 0
    text = (released / "releases/v1.37/exception/2140.yaml").read_text()
    assert "stage: alpha\nexception:\n  freeze: enhancements\n" in text
    check_passes(released)


def test_a_second_exception_request_replaces_the_decided_block(released: Path) -> None:
    for step in (
        ("accept", "2140", "--release", "v1.37", "--at-risk"),
        exception_request("v1.37", "enhancements"),
        ("exception", "accept", "2140", "--release", "v1.37"),  # granted: at-risk with the block
    ):
        assert rl(*step) == 0, step
        check_passes(released)
        commit(released)
    # a code-freeze request after the first, once code freeze has passed
    assert rl(*exception_request("v1.37", "code"), "--now=2026-03-21") == 0
    text = (released / "releases/v1.37/exception/2140.yaml").read_text()
    assert text.count("exception:") == 1 and "freeze: code" in text and "freeze: enhancements" not in text
    check_passes(released)
    log = subprocess.run(
        ["git", "log", "-p", "--", "releases/"], capture_output=True, text=True, cwd=released
    )
    assert "freeze: enhancements" in log.stdout  # the earlier request stays in history


def test_promote_warns_about_an_active_receipt_in_another_open_release(
    released: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert rl("create-release", "v1.38", "--owner", "lead") == 0
    capsys.readouterr()
    assert rl("promote", "sig-architecture/2140-receipts", "--stage", "beta", "--release", "v1.38") == 0
    out = capsys.readouterr().out
    assert "==> KEP 2140 proposed for v1.38" in out
    assert "warning: KEP 2140 is still accepted in v1.37 (releases/v1.37/accepted/2140.yaml)" in out
    assert "receipt-lint remove 2140 --release v1.37" in out


def test_every_banner_has_one_style(released: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    for step in (("create-release", "v1.38"), ("accept", "2140", "--release", "v1.37", "--at-risk")):
        assert rl(*step) == 0
    banners = [line for line in capsys.readouterr().out.splitlines() if line.startswith("==>")]
    assert banners == ["==> release v1.38 created in releases/v1.38", "==> KEP 2140 moved to at-risk"]


@settings(max_examples=60, deadline=None)
@given(
    crlf=st.booleans(),
    final_newline=st.booleans(),
    stage=st.sampled_from(["alpha", "beta", "stable"]),
    comment=st.sampled_from(["", "  # a comment", " #x"]),
)
def test_edits_keep_line_endings_and_other_lines(
    crlf: bool, final_newline: bool, stage: str, comment: str
) -> None:
    newline = "\r\n" if crlf else "\n"
    lines = ["title: x" + comment, "stage: alpha", "milestone:", '  alpha: "v1.37"' + comment]
    text = newline.join(lines) + (newline if final_newline else "")
    edited = set_value(set_value(text, ("stage",), stage), ("milestone", stage), "v1.38", quote='"')
    edited = append_block(edited, EXCEPTION_BLOCK)
    assert ("\r\n" in edited) is crlf and edited.endswith(newline)
    assert edited.replace("\r\n", "").count("\n") == (0 if crlf else edited.count("\n"))
    assert edited.split(newline)[0] == lines[0]  # untouched line, byte for byte
    data = load(edited.encode()).data
    assert (
        data["stage"] == stage
        and data["milestone"][stage] == "v1.38"
        and data["exception"]["freeze"] == "code"
    )
    assert "exception" not in load(remove_key(edited, "exception").encode()).data


# --- check --fix ----------------------------------------------------------------------------------


def test_check_fix_applies_the_mechanical_fixes_and_reports_the_rest(
    released: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    receipt = released / "releases/v1.37/accepted/2140.yaml"
    text = receipt.read_text()
    receipt.write_bytes(
        text.replace("tracking-status: accepted", "tracking-status: proposed")
        .replace('title: "Receipts process"', "title: Old title")
        .replace("owning-sig: sig-architecture", "owning-sig: sig-arch")
        .replace("\n", "\r\n")
        .encode()
    )
    kep = released / KEP_FILE
    kep.write_text(kep.read_text().replace('latest-milestone: "v1.37"', "latest-milestone: 1.37"))
    capsys.readouterr()
    assert main(["check", "--all", "--fix", "--now=2026-01-20"]) == 0
    err = capsys.readouterr().err
    assert "fixed releases/v1.37/accepted/2140.yaml:5 tracking-status" in err
    assert "fixed releases/v1.37/accepted/2140.yaml:1 title" in err
    assert "fixed releases/v1.37/accepted/2140.yaml:3 owning-sig" in err
    assert f"fixed {KEP_FILE}:11 latest-milestone" in err
    fixed = receipt.read_bytes().decode()
    assert fixed.count("\r\n") == fixed.count("\n") and "tracking-status: accepted\r\n" in fixed
    assert "title: Receipts process\r\n" in fixed and 'latest-milestone: "v1.37"' in kep.read_text()
    check_passes(released)


def test_check_fix_leaves_what_needs_judgement(released: Path, capsys: pytest.CaptureFixture[str]) -> None:
    receipt = released / "releases/v1.37/accepted/2140.yaml"
    receipt.write_text(receipt.read_text().replace("stage: alpha", "stage: beta"))
    before = fingerprint(released)
    assert main(["check", "--base", "main", "--fix", "--now=2026-01-20"]) == 1
    assert fingerprint(released) == before and "fixed" not in capsys.readouterr().err


def test_check_fix_only_in_the_working_tree(released: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for head in (["--head", "HEAD"], ["--staged"]):
        assert main(["check", "--base", "main", "--fix", *head]) == 2
        assert "--fix edits the working tree" in capsys.readouterr().err
