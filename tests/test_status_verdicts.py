"""status's verdicts and moves (design doc section 10), judged from hand-made facts: no network.

Schedule of v1.37 in these trees: enhancements freeze 2026-02-12 02:00, docs PR deadline
2026-03-05, code freeze 2026-03-19 02:00, docs freeze 2026-04-01, release 2026-04-22.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from receipt_lint.github.facts import Facts, Issue, Pull
from receipt_lint.github.status import Row, judge
from receipt_lint.model.times import parse_time
from receipt_lint.trees.worktree import WorkTree
from tests.conftest import EXCEPTION_BLOCK
from tests.github_trees import K8S, WEBSITE, kep_files, release_tree

BEFORE = "2026-03-01T00:00:00Z"  # three weeks before code freeze
NEAR = "2026-03-18T09:00:00Z"  # 17 h before code freeze
AFTER = "2026-03-20T00:00:00Z"  # code freeze passed, before docs freeze
LATE = "2026-04-03T00:00:00Z"  # docs freeze passed

TREES = itertools.count()
MERGED = Pull(url="", state="merged", merged_at="2026-03-10T12:00:00Z")
READY = Pull(url="", state="open", labels=["approved", "lgtm"])
APPROVED_REVIEW = Pull(url="", state="open", review_decision="APPROVED")
HELD = Pull(url="", state="open", labels=["approved", "do-not-merge/hold", "lgtm"])
OPEN = Pull(url="", state="open", labels=["lgtm"])
DRAFT = Pull(url="", state="open", draft=True, labels=["approved", "lgtm"])
CLOSED = Pull(url="", state="closed")
UNREADABLE = Pull(url="", error="NOT_FOUND: Could not resolve to a PullRequest with the number of 9.")


def facts(pulls: dict[str, Pull], issues: dict[int, Issue] | None = None) -> Facts:
    return Facts(
        read_at="2026-03-18T09:00:00Z",
        endpoint="https://api.github.com/graphql",
        issues_repo="kubernetes/enhancements",
        pulls={url: pull.model_copy(update={"url": url}) for url, pull in pulls.items()},
        issues={str(number): issue for number, issue in (issues or {}).items()},
    )


def one(
    tmp_path: Path,
    state: str,
    pulls: dict[str, Pull],
    now: str,
    *,
    docs: list[str] | None = None,
    exception: str = "",
    ready: bool = True,
) -> Row:
    """The row of one KEP whose receipt lists ``pulls`` as implementation PRs (kubernetes/kubernetes ones)."""
    root = release_tree(
        tmp_path / f"repo{next(TREES)}",
        kep_files(
            2140,
            state,
            code=[url for url in pulls if url.startswith(K8S)],
            docs=docs if docs is not None else [],
            exception=exception,
            ready=ready,
        ),
        git=False,
    )
    status = judge(WorkTree(root), "v1.37", facts(pulls), parse_time(now, bare_date="start"))
    (row,) = status.rows
    return row


@pytest.mark.parametrize(
    ("pulls", "now", "verdict"),
    [
        ([MERGED, MERGED], NEAR, "complete"),
        ([MERGED, READY], NEAR, "merge-ready"),
        ([APPROVED_REVIEW], AFTER, "merge-ready"),  # an APPROVED review is approval too
        ([HELD], BEFORE, "in-progress"),  # do-not-merge/* holds it
        ([DRAFT], BEFORE, "in-progress"),  # a draft is not ready to merge
        ([MERGED, OPEN], BEFORE, "in-progress"),
        ([MERGED, OPEN], NEAR, "at-risk"),  # within --warn-days of code freeze
        ([MERGED, OPEN], AFTER, "missed-freeze"),
        ([CLOSED], NEAR, "at-risk"),  # closed without merging is not done
        ([], BEFORE, "none-listed"),
        ([], NEAR, "at-risk"),
        ([], AFTER, "missed-freeze"),
        ([MERGED, UNREADABLE], AFTER, "unknown"),  # never guessed merged
        ([OPEN, UNREADABLE], AFTER, "missed-freeze"),  # what is known already decides
    ],
)
def test_code_verdicts(tmp_path: Path, pulls: list[Pull], now: str, verdict: str) -> None:
    row = one(tmp_path, "accepted", {f"{K8S}{n}": pull for n, pull in enumerate(pulls, 1)}, now)
    assert row.code is not None
    assert row.code.verdict == verdict


def test_a_closed_pull_request_says_to_replace_or_drop_it(tmp_path: Path) -> None:
    row = one(tmp_path, "accepted", {K8S + "1": CLOSED, K8S + "2": MERGED}, BEFORE)
    assert row.code is not None and row.code.verdict == "in-progress"
    assert row.code.notes == (f"{K8S}1 was closed without merging: replace it or drop it from the receipt",)


@pytest.mark.parametrize(
    ("docs", "now", "verdict"),
    [
        (None, BEFORE, "none-listed"),  # no docs-prs key, before the docs PR deadline
        (None, "2026-03-06", "at-risk"),  # after it
        (None, LATE, "missed-freeze"),
        ([], LATE, "not-needed"),  # docs-prs: [] says none are needed
        ([DRAFT], "2026-03-06", "placeholder-open"),  # a draft placeholder counts
        ([CLOSED], "2026-03-06", "at-risk"),
        ([DRAFT], "2026-03-28", "at-risk"),  # within --warn-days of docs freeze, not ready
        ([DRAFT], LATE, "missed-freeze"),
        ([READY], LATE, "merge-ready"),
        ([MERGED], LATE, "complete"),
        ([UNREADABLE], LATE, "unknown"),
    ],
)
def test_docs_verdicts(tmp_path: Path, docs: list[Pull] | None, now: str, verdict: str) -> None:
    listed = {f"{WEBSITE}{n}": pull for n, pull in enumerate(docs or [], 1)}
    root = release_tree(
        tmp_path / "repo",
        kep_files(2140, "accepted", code=[K8S + "1"], docs=list(listed) if docs is not None else None),
        git=False,
    )
    status = judge(
        WorkTree(root), "v1.37", facts({K8S + "1": MERGED, **listed}), parse_time(now, bare_date="start")
    )
    assert status.rows[0].docs is not None
    assert status.rows[0].docs.verdict == verdict


def _move(row: Row) -> tuple[str, bool] | None:
    return (row.action.verb, row.action.overdue) if row.action else None


def test_accepted_that_will_miss_code_freeze_is_marked_at_risk_before_it(tmp_path: Path) -> None:
    row = one(tmp_path, "accepted", {K8S + "1": OPEN}, NEAR)
    assert _move(row) == ("accept --at-risk", False)  # a forecast: exit 0
    assert row.action is not None
    assert row.action.why == "code freeze is in 17 h and its pull request is not merge-ready"
    assert row.action.command == "receipt-lint accept 2140 --release v1.37 --at-risk"


def test_accepted_that_missed_code_freeze_is_removed_after_it(tmp_path: Path) -> None:
    assert _move(one(tmp_path, "accepted", {K8S + "1": OPEN}, AFTER)) == ("remove", True)


def test_accepted_on_track_needs_no_move(tmp_path: Path) -> None:
    assert _move(one(tmp_path, "accepted", {K8S + "1": READY}, AFTER)) is None


def test_docs_alone_never_remove_a_kep(tmp_path: Path) -> None:
    row = one(tmp_path, "accepted", {K8S + "1": MERGED}, LATE, docs=[WEBSITE + "1"])
    assert row.docs is not None and row.docs.verdict == "unknown"  # not in the facts: not read
    row = one(tmp_path, "accepted", {K8S + "1": MERGED, WEBSITE + "1": DRAFT}, LATE, docs=[WEBSITE + "1"])
    assert row.docs is not None and row.docs.verdict == "missed-freeze"
    assert _move(row) == ("accept --at-risk", True)


def test_at_risk_whose_code_and_documents_are_on_track_is_accepted(tmp_path: Path) -> None:
    assert _move(one(tmp_path, "at-risk", {K8S + "1": OPEN}, BEFORE)) == ("accept", False)
    assert _move(one(tmp_path, "at-risk", {K8S + "1": MERGED}, AFTER)) == ("accept", True)


def test_at_risk_past_code_freeze_with_unfinished_code_is_removed(tmp_path: Path) -> None:
    row = one(tmp_path, "at-risk", {K8S + "1": OPEN}, AFTER)
    assert _move(row) == ("remove", True)
    assert row.action is not None and "the author may still request an exception" in row.action.why


def test_at_risk_with_unknown_code_gets_no_move(tmp_path: Path) -> None:
    assert _move(one(tmp_path, "at-risk", {K8S + "1": UNREADABLE}, AFTER)) is None


def test_a_granted_code_exception_moves_the_code_deadline(tmp_path: Path) -> None:
    # Granted for code freeze with 5 more days: 2026-03-24 02:00 is the deadline.
    row = one(tmp_path, "at-risk", {K8S + "1": OPEN}, AFTER, exception=EXCEPTION_BLOCK)
    assert row.code is not None
    assert row.code.deadline == dt.datetime(2026, 3, 24, 2, tzinfo=dt.timezone.utc)
    assert row.code.verdict == "at-risk"  # within the warning days of its own deadline
    assert _move(row) is None
    assert row.exception == "granted for code freeze (+5 days, until 2026-03-24 02:00 UTC)"
    assert _move(one(tmp_path, "at-risk", {K8S + "1": OPEN}, "2026-03-25", exception=EXCEPTION_BLOCK)) == (
        "remove",
        True,
    )


def test_a_pending_exception_is_judged_against_its_freeze_and_gets_no_move(tmp_path: Path) -> None:
    row = one(tmp_path, "exception", {K8S + "1": OPEN}, AFTER, exception=EXCEPTION_BLOCK)
    assert row.code is not None and row.code.verdict == "missed-freeze"
    assert row.action is None
    assert row.exception == "requested for code freeze (+5 days), pending"


def test_documents_that_fail_are_gaps_and_mark_an_accepted_kep_at_risk(tmp_path: Path) -> None:
    row = one(tmp_path, "accepted", {K8S + "1": MERGED}, BEFORE, ready=False)  # no PRR approval
    assert not row.ready
    assert any("PRR" in gap for gap in row.gaps)
    assert _move(row) == ("accept --at-risk", True)  # enhancements freeze has passed


def test_removed_receipts_are_listed_with_no_verdict(tmp_path: Path) -> None:
    row = one(tmp_path, "removed", {K8S + "1": OPEN}, AFTER)
    assert (row.code, row.docs, row.action, row.gaps) == (None, None, None, [])


def test_proposed_receipts_are_accepted_or_removed_by_enhancements_freeze(tmp_path: Path) -> None:
    assert _move(one(tmp_path, "proposed", {}, "2026-02-01")) == ("accept", False)
    assert _move(one(tmp_path, "proposed", {}, "2026-02-01", ready=False)) == ("accept --at-risk", False)
    assert _move(one(tmp_path, "proposed", {}, BEFORE)) == ("remove", True)


def test_unlisted_pull_requests_are_questions_not_additions(tmp_path: Path) -> None:
    root = release_tree(tmp_path / "repo", kep_files(2140, "accepted", code=[K8S + "1"], docs=[]), git=False)
    issue = Issue(number=2140, state="open", referenced_by=[K8S + "1", K8S + "7"])
    status = judge(
        WorkTree(root),
        "v1.37",
        facts({K8S + "1": MERGED}, {2140: issue}),
        parse_time(BEFORE, bare_date="start"),
    )
    assert status.rows[0].unlisted == [K8S + "7"]


# From an adversarial review of issue 21: each case it found, as it found it.

ENHANCEMENTS_EXCEPTION = EXCEPTION_BLOCK.replace("freeze: code", "freeze: enhancements").replace(
    "additional-days: 5", "additional-days: 40"
)  # granted for enhancements freeze (2026-02-12 02:00) + 40 days: covers until 2026-03-24


def test_a_docs_forecast_is_not_overdue_but_a_missed_docs_pr_deadline_is(tmp_path: Path) -> None:
    row = one(
        tmp_path, "accepted", {K8S + "1": MERGED, WEBSITE + "1": DRAFT}, "2026-03-27", docs=[WEBSITE + "1"]
    )
    assert row.docs is not None and row.docs.verdict == "at-risk"
    assert _move(row) == ("accept --at-risk", False)  # docs freeze is 6 days away: a forecast
    assert row.action is not None and row.action.why == "its docs are at risk (docs freeze is in 6 days)"
    late = one(
        tmp_path, "accepted", {K8S + "1": MERGED, WEBSITE + "1": CLOSED}, "2026-03-08", docs=[WEBSITE + "1"]
    )
    assert _move(late) == ("accept --at-risk", True)
    assert late.action is not None and late.action.why == (
        "its docs are late: the docs PR deadline passed 2 days ago with no docs pull request open"
    )


def test_a_shipped_release_calls_for_no_move(tmp_path: Path) -> None:
    root = release_tree(tmp_path / "repo", kep_files(2140, "accepted", code=[K8S + "1"]), git=False)
    status = judge(
        WorkTree(root), "v1.37", facts({K8S + "1": OPEN}), parse_time("2026-05-01", bare_date="start")
    )
    assert status.closed and status.rows[0].code is not None
    assert status.rows[0].code.verdict == "missed-freeze" and status.rows[0].action is None


def test_an_accepted_receipts_granted_exceptions_count(tmp_path: Path) -> None:
    # A code exception (+5 days): past code freeze but before its deadline, failing documents mark it at risk.
    row = one(tmp_path, "accepted", {K8S + "1": MERGED}, AFTER, exception=EXCEPTION_BLOCK, ready=False)
    assert _move(row) == ("accept --at-risk", True)  # late for enhancements freeze, not removed
    # An enhancements exception that still covers: failing documents are a forecast.
    row = one(
        tmp_path, "accepted", {K8S + "1": MERGED}, BEFORE, exception=ENHANCEMENTS_EXCEPTION, ready=False
    )
    assert _move(row) == ("accept --at-risk", False)


def test_an_unreadable_pull_request_does_not_hide_failing_documents(tmp_path: Path) -> None:
    row = one(tmp_path, "at-risk", {K8S + "1": UNREADABLE}, AFTER, ready=False)
    assert _move(row) == ("remove", True)


def test_a_broken_receipt_is_named_and_a_broken_schedule_stops_the_run(tmp_path: Path) -> None:
    from receipt_lint.github.status import StatusError

    root = release_tree(tmp_path / "repo", kep_files(2140, "accepted", code=[K8S + "1"]), git=False)
    (root / "releases/v1.37/accepted/2141.yaml").write_text("title: [unclosed\n")
    status = judge(WorkTree(root), "v1.37", facts({K8S + "1": MERGED}), parse_time(BEFORE, bare_date="start"))
    broken = [row for row in status.rows if not row.readable]
    assert [row.kep for row in broken] == ["2141"] and "is not a valid receipt" in broken[0].gaps[0]
    (root / "releases/v1.37/schedule.yaml").write_text("code-freeze: not a date\n")
    with pytest.raises(StatusError, match=r"releases/v1\.37/schedule\.yaml cannot be read"):
        judge(WorkTree(root), "v1.37", facts({}), parse_time(BEFORE, bare_date="start"))


def test_two_receipts_for_one_kep_get_one_move(tmp_path: Path) -> None:
    files = kep_files(2140, "accepted", code=[K8S + "1"], docs=[])
    files["releases/v1.37/at-risk/2140.yaml"] = files["releases/v1.37/accepted/2140.yaml"].replace(
        "tracking-status: accepted", "tracking-status: at-risk"
    )
    root = release_tree(tmp_path / "repo", files, git=False)
    status = judge(WorkTree(root), "v1.37", facts({K8S + "1": OPEN}), parse_time(AFTER, bare_date="start"))
    assert [row.action is not None for row in status.rows] == [True, False]


def test_unlisted_compares_urls_without_case(tmp_path: Path) -> None:
    root = release_tree(
        tmp_path / "repo",
        kep_files(2140, "accepted", code=["https://github.com/Kubernetes/Kubernetes/pull/1"], docs=[]),
        git=False,
    )
    issue = Issue(number=2140, state="open", referenced_by=[K8S + "1"])
    read = facts({"https://github.com/Kubernetes/Kubernetes/pull/1": MERGED}, {2140: issue})
    assert judge(WorkTree(root), "v1.37", read, parse_time(BEFORE, bare_date="start")).rows[0].unlisted == []
