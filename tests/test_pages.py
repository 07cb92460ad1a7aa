"""The html pages a lead shares (manifest, slips): what they say, and how a real browser draws them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from receipt_lint.cli import main
from receipt_lint.workflow.demo import build

NOW = "--now=2026-02-20T12:00:00Z"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("pages") / "demo"
    build(root)
    out = root.parent
    assert (
        main(
            [
                "manifest",
                "--repo",
                str(root),
                "--release=v1.37",
                NOW,
                "--format=html",
                f"--output={out / 'manifest.html'}",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "slips",
                "--repo",
                str(root),
                "--now=2026-05-01",
                "--format=html",
                f"--output={out / 'slips.html'}",
            ]
        )
        == 0
    )
    return {"manifest": out / "manifest.html", "slips": out / "slips.html", "root": root}


def test_the_dates_are_a_table_that_says_how_far_each_is(pages: dict[str, Path]) -> None:
    page = pages["manifest"].read_text()
    dates = page[page.index("<table class='dates'>") : page.index("</table>")]
    assert "<td>2026-02-12T02:00:00Z</td><td>passed</td>" in dates
    assert "<td>2026-04-22</td><td>in 61 days</td>" in dates


def test_long_lists_fold(pages: dict[str, Path]) -> None:
    page = pages["manifest"].read_text()
    assert re.search(r"<details><summary>[3-9] items</summary>", page)


def test_the_chart_has_month_ticks_and_a_row_a_freeze_label(pages: dict[str, Path]) -> None:
    page = pages["manifest"].read_text()
    labels = re.findall(
        r"<text x='[0-9.]+' y='([0-9]+)' font-size='10'>(enhancements freeze|code freeze|release)<", page
    )
    assert len({y for y, _ in labels}) == len(labels) == 3  # each on a row of its own: no overlap
    assert "Mar 1</text>" in page


def test_slips_lists_slipped_keps_first_linked_and_dated(pages: dict[str, Path]) -> None:
    page = pages["slips"].read_text()
    assert "Made 2026-05-01T00:00:00Z" in page
    out = pages["root"].parent / "slips.json"
    main(["slips", "--repo", str(pages["root"]), "--now=2026-05-01", "--format=json", f"--output={out}"])
    keps = json.loads(out.read_text())["keps"]
    slipped = {k["kep"] for k in keps if any(r["slipped"] for r in k["releases"])}
    order = re.findall(r"<tr><td><a href='https://github.com/kubernetes/enhancements/issues/([0-9]+)'>", page)
    assert slipped and set(order[: len(slipped)]) == slipped and len(order) == len(keps)


CHROMIUM = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="Debian's chromium: .ci/run installs it"
)


def draw_in_chromium(page: Path, width: int, tmp_path: Path) -> None:
    """Headless Chromium draws ``page`` at ``width`` pixels: a screenshot, not a blank; no script error."""
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--window-size={width},1200",
            f"--screenshot={shot}",
            "--enable-logging=stderr",
            "--v=0",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"HOME": str(tmp_path)},
    )
    assert shot.exists() and shot.stat().st_size > 15_000, done.stderr[-2000:]  # a page, not a blank
    assert "Uncaught" not in done.stderr and "SyntaxError" not in done.stderr
    assert "Content-Security-Policy" not in done.stderr, done.stderr[
        -2000:
    ]  # nothing the page tried was refused
    text = page.read_text()
    assert "name='viewport'" in text and "overflow-x:auto" in text  # wide tables scroll in their own box


@CHROMIUM
@pytest.mark.parametrize("name", ["manifest", "slips"])
@pytest.mark.parametrize("width", [1280, 390])  # a desktop, and a phone
def test_a_real_browser_draws_the_page(pages: dict[str, Path], name: str, width: int, tmp_path: Path) -> None:
    draw_in_chromium(pages[name], width, tmp_path)
