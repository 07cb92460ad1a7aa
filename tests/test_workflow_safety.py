"""Issue 18.1: the verbs never corrupt a file and never write outside the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from receipt_lint.model.loader import load
from tests.conftest import KEP
from tests.test_workflow import KEP_FILE, check_passes, commit, exception_request, fingerprint, rl
from tests.test_workflow import repo as repo  # the fixture: a KEP and its PRR file, committed
from tests.test_workflow_trust import PROMOTE, V137

BOM = "\ufeff".encode()
RECEIPT_137 = "releases/v1.37/{}/2140.yaml"
AT_RISK = ("accept", "2140", "--release", "v1.37", "--at-risk")
# enhancements freeze: V137 sets no date for it, so the request is never early.
REQUEST = exception_request("v1.37", "enhancements")


@pytest.fixture
def proposed(repo: Path) -> Path:
    assert rl(*V137) == 0 and rl(*PROMOTE) == 0
    commit(repo)
    return repo


def add_bom(path: Path) -> None:
    path.write_bytes(BOM + path.read_bytes())


def receipt_data(root: Path, state: str) -> dict[str, object]:
    raw = (root / RECEIPT_137.format(state)).read_bytes()
    assert raw.startswith(BOM), "the byte order mark is kept"
    data: dict[str, object] = load(raw).data
    return data


@pytest.mark.parametrize(
    ("moves", "state"),
    [
        ([("accept", "2140", "--release", "v1.37")], "accepted"),
        ([("accept", "2140", "--release", "v1.37", "--at-risk")], "at-risk"),
        ([("remove", "2140", "--release", "v1.37")], "removed"),
        ([AT_RISK, REQUEST, ("exception", "accept", "2140", "--release", "v1.37")], "at-risk"),
        ([AT_RISK, REQUEST, ("exception", "deny", "2140", "--release", "v1.37")], "removed"),
    ],
)
def test_a_receipt_with_a_bom_is_moved_correctly(
    proposed: Path, moves: list[tuple[str, ...]], state: str
) -> None:
    add_bom(proposed / RECEIPT_137.format("proposed"))
    commit(proposed)
    for argv in moves:
        assert rl(*argv) == 0
        commit(proposed)
    assert receipt_data(proposed, state)["tracking-status"] == state
    check_passes(proposed)


def test_promote_edits_a_kep_yaml_with_a_bom_in_place(repo: Path) -> None:
    add_bom(repo / KEP_FILE)
    commit(repo)
    assert rl("create-release", "v1.38") == 0
    assert rl("promote", "sig-architecture/2140-receipts", "--stage", "beta", "--release", "v1.38") == 0
    after = (repo / KEP_FILE).read_bytes()
    assert after.startswith(BOM)
    data = load(after).data
    assert (data["stage"], data["latest-milestone"], data["milestone"]["beta"]) == ("beta", "v1.38", "v1.38")


def test_emoji_are_written_as_themselves(proposed: Path) -> None:
    assert rl(*AT_RISK) == 0
    commit(proposed)
    argv = list(REQUEST)
    argv[argv.index("--reason") + 1] = 'needed for GA 🚀 "now"\\'
    assert rl(*argv) == 0
    raw = (proposed / RECEIPT_137.format("exception")).read_bytes()
    assert "🚀".encode() in raw and b"\\ud83d" not in raw
    assert load(raw).data["exception"]["reason"] == 'needed for GA 🚀 "now"\\'
    commit(proposed)
    check_passes(proposed)


def test_a_title_with_an_emoji_is_copied_as_it_is(repo: Path) -> None:
    (repo / KEP_FILE).write_text(KEP.replace("title: Receipts process", 'title: "Receipts 🧾 process"'))
    commit(repo)
    assert rl(*V137) == 0 and rl(*PROMOTE) == 0
    assert load((repo / RECEIPT_137.format("proposed")).read_bytes()).data["title"] == "Receipts 🧾 process"
    check_passes(repo)


@pytest.mark.parametrize("link", ["releases", "releases/v1.38"])
def test_a_symlinked_release_folder_is_never_written_through(
    repo: Path, tmp_path: Path, link: str, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / link).parent.mkdir(exist_ok=True)
    os.symlink(elsewhere, repo / link)
    before = fingerprint(repo)
    assert rl("create-release", "v1.38") == 1
    assert "is a symbolic link" in capsys.readouterr().err
    assert rl("promote", "sig-architecture/2140-receipts", "--stage", "beta", "--release", "v1.38") in (1, 2)
    assert list(elsewhere.rglob("*")) == [] and fingerprint(repo) == before


def test_promote_into_a_symlinked_state_folder_is_refused(
    proposed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (proposed / "releases/v1.37/accepted/.gitkeep").unlink()
    (proposed / "releases/v1.37/accepted").rmdir()
    os.symlink(elsewhere, proposed / "releases/v1.37/accepted")
    assert rl("accept", "2140", "--release", "v1.37") == 1
    assert "releases/v1.37/accepted is a symbolic link" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []
    assert (proposed / RECEIPT_137.format("proposed")).exists()


@pytest.mark.parametrize("owner", ["*lead", "lead,other", "a b", "-", "@"])
def test_an_owner_must_be_a_login_or_an_alias(
    repo: Path, owner: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert rl("create-release", "v1.38", "--owner", owner) == 2
    err = capsys.readouterr().err
    assert "--owner" in err and len(err.strip().splitlines()) == 1
    assert not (repo / "releases").exists()


def test_owners_are_written_without_their_at(repo: Path) -> None:
    assert rl("create-release", "v1.38", "--owner", "@lead", "--owner", "release-team-alias") == 0
    owners = load((repo / "releases/v1.38/OWNERS").read_bytes()).data
    assert owners["approvers"] == ["lead", "release-team-alias"]


def test_a_release_without_owners_says_so(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert rl("create-release", "v1.38") == 0
    assert "OWNERS lists no approvers" in capsys.readouterr().out


def test_create_release_names_its_positional_argument(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert rl("create-release", "1.37") == 2
    err = capsys.readouterr().err
    assert '"1.37" is not a release name' in err and "--release" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ("promote", "sig-architecture/2140-receipts", "--stage", "alpha", "--release", "v1.99"),
        ("accept", "2140", "--release", "v1.99"),
        ("accept", "2140", "--release", "v1.99", "--at-risk"),
        ("remove", "2140", "--release", "v1.99"),
        exception_request("v1.99", "code"),
        ("exception", "accept", "2140", "--release", "v1.99"),
        ("exception", "deny", "2140", "--release", "v1.99"),
    ],
)
def test_a_release_with_no_folder_is_a_bad_argument(
    proposed: Path, argv: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert rl(*argv) == 2
    err = capsys.readouterr().err
    assert "there is no releases/v1.99" in err and "create-release v1.99" in err


@pytest.mark.parametrize("ref", ["2140", "sig-architecture/2140", "keps/sig-architecture/2140"])
def test_promote_finds_the_kep_by_its_number(
    repo: Path, ref: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert rl(*V137) == 0
    assert rl("promote", ref, "--stage", "alpha", "--release", "v1.37") == 0
    assert "KEP 2140 is keps/sig-architecture/2140-receipts" in capsys.readouterr().out
    assert (repo / RECEIPT_137.format("proposed")).exists()


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("sig-architecture/2140-reciepts", "did you mean sig-architecture/2140-receipts?"),
        ("9999", "there is no KEP 9999"),
        ("sig-node", "is not a KEP"),
    ],
)
def test_promote_of_a_kep_that_is_not_there_says_what_is(
    repo: Path, ref: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert rl(*V137) == 0
    assert rl("promote", ref, "--stage", "alpha", "--release", "v1.37") == 2
    assert says in capsys.readouterr().err
