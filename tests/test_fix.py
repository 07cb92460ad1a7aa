"""Issue 18.2: ``check --fix`` fixes only what needs no judgement, the same in every mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from receipt_lint.cli import main
from receipt_lint.model.loader import load
from tests.conftest import KEP, PRR
from tests.test_workflow import KEP_FILE, commit, fingerprint, rl
from tests.test_workflow import repo as repo  # the fixture: a KEP and its PRR file, committed
from tests.test_workflow_trust import released as released  # v1.37 with KEP 2140 accepted, committed

RECEIPT = "releases/v1.37/accepted/2140.yaml"
NOW = "--now=2026-01-20"


def edit_receipt(root: Path, old: str, new: str, path: str = RECEIPT) -> Path:
    receipt = root / path
    text = receipt.read_text()
    assert old in text
    receipt.write_text(text.replace(old, new))
    return receipt


def fix_all(capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    capsys.readouterr()
    main(["check", "--all", "--fix", NOW, *extra])
    return capsys.readouterr().err


def test_atrisk_in_at_risk_is_fixed(released: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert rl("accept", "2140", "--release", "v1.37", "--at-risk") == 0
    commit(released)
    receipt = edit_receipt(
        released, "tracking-status: at-risk", "tracking-status: atrisk", "releases/v1.37/at-risk/2140.yaml"
    )
    assert "fixed releases/v1.37/at-risk/2140.yaml:5 tracking-status" in fix_all(capsys)
    assert load(receipt.read_bytes()).data["tracking-status"] == "at-risk"
    assert main(["check", "--all", NOW]) == 0


def test_a_receipt_with_a_bom_is_fixed_and_keeps_it(
    released: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    receipt = edit_receipt(released, "tracking-status: accepted", "tracking-status: proposed")
    receipt.write_bytes("\ufeff".encode() + receipt.read_bytes())
    assert "fixed releases/v1.37/accepted/2140.yaml:5 tracking-status" in fix_all(capsys)
    raw = receipt.read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"tracking-status: accepted\n" in raw


def test_one_key_that_cannot_be_fixed_does_not_stop_the_others(
    released: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    receipt = released / RECEIPT
    text = receipt.read_text()
    title_line = next(line for line in text.splitlines() if line.startswith("title:"))
    receipt.write_text(
        text.replace(title_line, "title: >-\n  An old\n  title").replace(
            "tracking-status: accepted", "tracking-status: proposed"
        )
    )
    err = fix_all(capsys)
    assert "fixed releases/v1.37/accepted/2140.yaml" in err and "tracking-status" in err
    assert "not fixed releases/v1.37/accepted/2140.yaml:1 title: " in err and "edit it by hand" in err
    data = load(receipt.read_bytes()).data
    assert data["tracking-status"] == "accepted" and data["title"] == "An old title"


def test_a_kep_yaml_only_edit_is_fixed_in_diff_mode_as_with_all(
    released: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kep = released / KEP_FILE
    kep.write_text(kep.read_text().replace("title: Receipts process", "title: Receipts, the process"))
    capsys.readouterr()
    main(["check", "--base", "main", "--fix", NOW])
    err = capsys.readouterr().err
    assert "fixed releases/v1.37/accepted/2140.yaml:1 title" in err
    assert load((released / RECEIPT).read_bytes()).data["title"] == "Receipts, the process"


def test_nothing_is_copied_from_a_kep_that_number_and_path_do_not_both_name(
    released: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = (
        KEP.replace("kep-number: 2140", "kep-number: 3541")
        .replace("title: Receipts process", "title: Another KEP")
        .replace("owning-sig: sig-architecture", "owning-sig: sig-apps")
    )
    (released / "keps/sig-apps/3541-other").mkdir(parents=True)
    (released / "keps/sig-apps/3541-other/kep.yaml").write_text(other)
    (released / "keps/prod-readiness/sig-apps").mkdir(parents=True)
    (released / "keps/prod-readiness/sig-apps/3541.yaml").write_text(PRR.replace("2140", "3541"))
    receipt = edit_receipt(released, "path: sig-architecture/2140-receipts", "path: sig-apps/3541-other")
    before = receipt.read_bytes()
    err = fix_all(capsys)
    assert "fixed" not in err.replace("not fixed", "")
    assert receipt.read_bytes() == before


def test_a_shipped_release_is_not_edited(released: Path, capsys: pytest.CaptureFixture[str]) -> None:
    receipt = edit_receipt(released, "tracking-status: accepted", "tracking-status: proposed")
    before = fingerprint(released)
    err = fix_all(capsys, "--now=2026-05-01")
    assert "not fixed releases/v1.37/accepted/2140.yaml:5 tracking-status: release v1.37 has shipped" in err
    assert fingerprint(released) == before and b"tracking-status: proposed" in receipt.read_bytes()
