"""The status dashboard and `manifest --status`, from a snapshot: what they say, what they refuse to run,
and how a real browser draws them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from receipt_lint.cli import main
from receipt_lint.github import facts as saved
from receipt_lint.github.facts import Facts, Issue, Pull
from tests.github_trees import K8S, WEBSITE, kep_files, release_tree
from tests.test_pages import CHROMIUM, draw_in_chromium

HOSTILE = "<script>alert(1)</script>' onmouseover='x ##[error]boom"
NOW = "--now=2026-03-18T09:00:00Z"


@pytest.fixture(scope="module")
def snapshot_tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Six KEPs in every judged state, and a snapshot whose PR titles and labels are hostile."""
    root = tmp_path_factory.mktemp("status") / "repo"
    release_tree(
        root,
        kep_files(1001, "accepted", code=[K8S + "1", K8S + "2"], docs=[WEBSITE + "10"], title=HOSTILE),
        kep_files(1002, "at-risk", code=[K8S + "3"], docs=[]),
        kep_files(1003, "accepted", code=[K8S + "4"]),
        kep_files(1004, "proposed"),
        kep_files(1005, "removed", code=[K8S + "5"]),
        kep_files(1006, "accepted", code=[K8S + "6"], docs=[WEBSITE + "11"], ready=False),
    )
    pulls = {
        K8S + "1": Pull(url=K8S + "1", state="merged", title=HOSTILE, merged_at="2026-03-10T12:00:00Z"),
        K8S + "2": Pull(url=K8S + "2", state="open", labels=["lgtm", HOSTILE]),
        K8S + "3": Pull(url=K8S + "3", state="open", labels=["approved", "lgtm"]),
        K8S + "6": Pull(url=K8S + "6", state="closed"),
        WEBSITE + "10": Pull(url=WEBSITE + "10", state="open", draft=True),
        WEBSITE + "11": Pull(url=WEBSITE + "11", state="merged"),
    }
    read = Facts(
        read_at="2026-03-18T08:55:00Z",
        endpoint="https://api.github.com/graphql",
        issues_repo="kubernetes/enhancements",
        requests=2,
        pulls=pulls,
        issues={"1001": Issue(number=1001, state="open", referenced_by=[K8S + "99"])},
    )
    snapshot = root.parent / "snapshot.json"
    saved.save(read, snapshot)
    return root, snapshot


def render(root: Path, snapshot: Path, command: str, format_name: str) -> str:
    out = root.parent / f"{command}.{format_name}"
    extra = ["--from", str(snapshot)] if command == "status" else ["--status", str(snapshot)]
    main(
        [
            command,
            "--repo",
            str(root),
            "--release=v1.37",
            NOW,
            *extra,
            f"--format={format_name}",
            f"--output={out}",
        ]
    )
    return out.read_text()


def test_the_dashboard_has_the_boards_views_and_the_actions(snapshot_tree: tuple[Path, Path]) -> None:
    page = render(*snapshot_tree, "status", "html")
    for view in ("actions", "enhancements", "code", "docs"):
        assert f"<h2 id='{view}'>" in page and f"<a href='#{view}'>" in page
    assert "<h3>Mark at risk (3)</h3>" in page and "<h3>Remove (1)</h3>" in page
    assert "kubernetes#6</a> closed" in page and "website#10</a> draft" in page
    assert "<details><summary>" in page  # the not-ready KEP's gaps fold
    assert "2026-03-19 02:00 UTC (in 17 h)" in page  # the code deadline's countdown


def test_hostile_titles_and_labels_cannot_run_or_inject(snapshot_tree: tuple[Path, Path]) -> None:
    page = render(*snapshot_tree, "status", "html")
    assert "<script" not in page and "onmouseover='" not in page
    assert "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"" in page
    assert "##[" not in page  # the runner's legacy command marker, broken losslessly (&#35;)
    data = render(*snapshot_tree, "status", "json")
    assert "##[" not in data and json.loads(data)["receipts"][1]["title"] == HOSTILE  # \\u0023: the same text
    text = render(*snapshot_tree, "status", "text")
    assert "##[" not in text and all(not line.lstrip().startswith("::") for line in text.splitlines())


def test_manifest_status_adds_code_docs_and_move_to_every_format(snapshot_tree: tuple[Path, Path]) -> None:
    root, snapshot = snapshot_tree
    data = json.loads(render(root, snapshot, "manifest", "json"))
    by_kep = {r["kep"]: r for r in data["receipts"]}
    assert data["status_read_at"] == "2026-03-18T08:55:00Z"
    assert (by_kep["1002"]["code"], by_kep["1002"]["docs"], by_kep["1002"]["action"]) == (
        "merge-ready",
        "not-needed",
        "accept",
    )
    assert by_kep["1005"]["code"] is None  # removed: no verdict
    markdown = render(root, snapshot, "manifest", "markdown")
    assert "| code | docs | move |" in markdown and "| merge-ready | not-needed | accept |" in markdown
    page = render(root, snapshot, "manifest", "html")
    assert "<th>code</th><th>docs</th><th>move</th>" in page and "<td class='v-merge-ready'>" in page
    plain = tmp = root.parent / "plain.json"
    main(["manifest", "--repo", str(root), "--release=v1.37", NOW, "--format=json", f"--output={tmp}"])
    assert (
        "code" not in json.loads(plain.read_text())["receipts"][0]
    )  # without --status, the shape is as before


def test_markdown_is_grouped_for_a_tracking_issue(snapshot_tree: tuple[Path, Path]) -> None:
    markdown = render(*snapshot_tree, "status", "markdown")
    headings = re.findall(r"^### (.+)$", markdown, re.MULTILINE)
    assert headings[:3] == ["Remove (1)", "Mark at risk (3)", "Accept (1)"]
    assert "| [1004](https://github.com/kubernetes/enhancements/issues/1004) **overdue** |" in markdown
    assert "&lt;script&gt;" in markdown and "<script" not in markdown


@CHROMIUM
@pytest.mark.parametrize("command", ["status", "manifest"])
@pytest.mark.parametrize("width", [1280, 390])
def test_a_real_browser_draws_the_dashboard(
    snapshot_tree: tuple[Path, Path], command: str, width: int, tmp_path: Path
) -> None:
    render(*snapshot_tree, command, "html")
    draw_in_chromium(snapshot_tree[0].parent / f"{command}.html", width, tmp_path)


def test_check_never_imports_the_github_part(snapshot_tree: tuple[Path, Path]) -> None:
    """`check` starts as fast as before: httpx and receipt_lint.github load only for the GitHub commands."""
    code = (
        "import sys\nfrom receipt_lint.cli import main\n"
        f"main(['check', '--all', '--now', '2026-03-18', '--repo', {str(snapshot_tree[0])!r}])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('httpx', 'receipt_lint.github'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert "prr-missing" in done.stdout  # check ran, on the tree, and found KEP 1006's gap
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr[-2000:]


def test_a_title_with_a_line_break_cannot_start_a_runner_command_in_the_html(tmp_path: Path) -> None:
    from receipt_lint.reporters import defused

    page = "<td>a\n  ::error file=a,line=1::pwned\n::add-mask::y</td>\n"
    shown = defused(page, "html")
    assert not any(line.lstrip().startswith("::") for line in shown.splitlines())
    assert shown.replace("&#58;", ":") == page  # the same text in a browser


def test_an_issue_closed_or_in_another_milestone_is_a_question(tmp_path: Path) -> None:
    from receipt_lint.github.pages import render_text
    from receipt_lint.github.status import judge
    from receipt_lint.model.times import parse_time
    from receipt_lint.trees.worktree import WorkTree

    root = release_tree(tmp_path / "repo", kep_files(1001, "accepted", code=[]), kep_files(1002, "removed"))
    issues = {
        "1001": Issue(number=1001, state="closed", milestone="v1.36"),
        "1002": Issue(number=1002, state="closed", milestone="v1.38"),  # removed: moved on, no question
    }
    read = Facts(
        read_at="2026-03-01T00:00:00Z", endpoint="e", issues_repo="kubernetes/enhancements", issues=issues
    )
    text = render_text(judge(WorkTree(root), "v1.37", read, parse_time("2026-03-01", bare_date="start")))
    assert "  KEP 1001: its enhancement issue is closed\n" in text
    assert "  KEP 1001: its enhancement issue's milestone is v1.36, not v1.37\n" in text
    assert "KEP 1002: its" not in text


def test_pending_exception_requests_are_listed_to_decide(
    snapshot_tree: tuple[Path, Path], tmp_path: Path
) -> None:
    from receipt_lint.github.pages import render_text
    from receipt_lint.github.status import judge
    from receipt_lint.model.times import parse_time
    from receipt_lint.trees.worktree import WorkTree
    from tests.conftest import EXCEPTION_BLOCK

    root = release_tree(
        tmp_path / "repo", kep_files(1007, "exception", code=[K8S + "1"], docs=[], exception=EXCEPTION_BLOCK)
    )
    read = Facts(
        read_at="2026-03-19T03:00:00Z",
        endpoint="e",
        issues_repo="kubernetes/enhancements",
        pulls={K8S + "1": Pull(url=K8S + "1", state="open", labels=["lgtm"])},
    )
    text = render_text(
        judge(WorkTree(root), "v1.37", read, parse_time("2026-03-19T03:00:00Z", bare_date="start"))
    )
    assert "Exception requests to decide (1):" in text
    assert (
        "  KEP 1007 sig-architecture Receipts process: requested for code freeze (+5 days), pending; "
        "code missed-freeze, docs not-needed; receipt-lint exception accept|deny 1007 --release v1.37\n"
    ) in text
    assert "No move needed: 0 receipts." in text
