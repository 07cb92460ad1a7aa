"""The release manifest: counts match the tree, every format renders every receipt."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from receipt_lint.cli import main
from receipt_lint.workflow.demo import build

ARGS = ["--release", "v1.37", "--now", "2026-02-01"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    build(root)
    return root


def manifest(repo: Path, tmp_path: Path, *extra: str) -> str:
    out = tmp_path / "manifest.out"
    assert main(["manifest", "--repo", str(repo), *ARGS, f"--output={out}", *extra]) == 0
    return out.read_text()


def test_json_counts_match_the_tree(repo: Path, tmp_path: Path) -> None:
    document = json.loads(manifest(repo, tmp_path, "--format=json"))
    assert set(document) == {
        "release",
        "generated",
        "counts",
        "receipts",
        "outreach",
        "dates",
        "timeline",
        "freezes",
        "shipping",
    }
    assert document["freezes"]["enhancements freeze"] == "2026-02-12T02:00:00Z"
    # The chart's data, from history: its last point is the tree's count.
    assert document["timeline"] and document["timeline"][-1]["by_state"] == document["counts"]["by_state"]
    on_disk = {p.parent.name: 0 for p in (repo / "releases/v1.37").glob("*/*.yaml")}
    for path in (repo / "releases/v1.37").glob("*/*.yaml"):
        on_disk[path.parent.name] += 1
    assert document["counts"]["by_state"] == dict(sorted(on_disk.items()))
    assert len(document["receipts"]) == sum(on_disk.values()) == 6
    by_kep = {r["kep"]: r for r in document["receipts"]}
    assert by_kep["2140"]["type"] == "Net New" and by_kep["2140"]["problems"] == []
    assert by_kep["2140"]["issue"] == "https://github.com/kubernetes/enhancements/issues/2140"
    assert by_kep["2140"]["folder"].endswith("/keps/sig-architecture/2140-receipts")
    assert by_kep["1287"]["type"] == "Graduating"
    assert any("kep-status" in p for p in by_kep["3000"]["problems"]) and by_kep["3000"]["errors"]
    assert (
        "submitted 1 enhancement for the v1.37 cycle, and 1 enhancement is currently At Risk"
        in document["outreach"]["sig-node"]
    )
    assert "enhancements freeze at Thursday 12 February, 02:00 UTC" in document["outreach"]["sig-node"]
    assert "`" not in "".join(document["outreach"].values())
    assert document["dates"]["enhancements-freeze"] == "2026-02-12T02:00:00Z"


def test_sig_filter_and_yaml(repo: Path, tmp_path: Path) -> None:
    document = yaml.safe_load(manifest(repo, tmp_path, "--format=yaml", "--sig=sig-node"))
    assert [r["kep"] for r in document["receipts"]] == ["1287"]
    assert document["counts"]["by_sig"] == {"sig-node": 1}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.external: list[str] = []
        self.svgs = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.svgs += tag == "svg"
        self.external += [v or "" for k, v in attrs if k == "src"]  # links to KEPs are fine; assets are not
        if tag in ("script", "link", "img", "iframe"):
            self.external.append(tag)
        self.links += [v or "" for k, v in attrs if k == "href" and tag == "a"]

    def handle_data(self, data: str) -> None:
        self.cells.append(data)


def test_html_is_one_self_contained_page_with_every_receipt(repo: Path, tmp_path: Path) -> None:
    page = manifest(repo, tmp_path, "--format=html")
    parser = _Collector()
    parser.feed(page)
    assert parser.external == [] and parser.svgs == 5  # four bar charts and the cycle's burn-down
    for kep in ("2140", "1287", "3000", "4100", "4200", "4300"):
        assert kep in parser.cells
        assert f"https://github.com/kubernetes/enhancements/issues/{kep}" in parser.links


def test_markdown_lists_every_state(repo: Path, tmp_path: Path) -> None:
    text = manifest(repo, tmp_path)
    for state in ("proposed", "accepted", "at-risk", "exception", "removed"):
        assert f"## {state} (1)" in text or f"## {state} (2)" in text


def test_missing_release_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["manifest", "--repo", str(repo), "--release", "v1.99"]) == 2
    assert "create-release v1.99" in capsys.readouterr().err


def test_counts_list_zero_states_and_a_duplicate_once(repo: Path, tmp_path: Path) -> None:
    (repo / "releases/v1.37/removed/2140.yaml").write_text(
        (repo / "releases/v1.37/accepted/2140.yaml").read_text().replace("accepted", "removed")
    )
    document = json.loads(manifest(repo, tmp_path, "--format=json", "--sig=sig-architecture"))
    assert document["counts"]["by_state"] == {
        "proposed": 0,
        "accepted": 1,
        "at-risk": 0,
        "exception": 0,
        "removed": 0,
    }
    assert document["counts"]["by_sig"] == {"sig-architecture": 1}


def test_an_invalid_receipt_still_shows_what_can_be_read(repo: Path, tmp_path: Path) -> None:
    receipt = repo / "releases/v1.37/accepted/2140.yaml"
    receipt.write_text(receipt.read_text().replace("title: Receipts process", "titel: Receipts process"))
    document = json.loads(manifest(repo, tmp_path, "--format=json"))
    [entry] = [r for r in document["receipts"] if r["kep"] == "2140"]
    assert (entry["title"], entry["sig"], entry["errors"]) == ("Receipts process", "sig-architecture", True)
    page = manifest(repo, tmp_path, "--format=html")
    assert "✗" in page and "Receipts process" in page
