"""Where a release's work stands: each receipt judged against its pull requests (design doc section 10).

Pure: the receipts (a tree), the schedule, a time and what GitHub said (``Facts``) go
in; a verdict for code, docs and documents, and the move the team should make, come
out.  Nothing here reads GitHub (``read`` does) or writes anything (``cli`` does).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from receipt_lint.engine.config import RuleChoice
from receipt_lint.engine.readiness import accepted_gaps
from receipt_lint.github.facts import Facts, Issue, Pull
from receipt_lint.model import models
from receipt_lint.model.files import Tree
from receipt_lint.model.layout import ReceiptFile, receipt_files
from receipt_lint.reports.manifest import receipt_type
from receipt_lint.rules.base import ReleaseInfo, release_info
from receipt_lint.trees.snapshot import Snapshot

JUDGED = ("accepted", "at-risk", "exception")  # the states whose pull requests are judged
ON_TRACK_CODE = ("complete", "merge-ready")
DOCS_BEHIND = ("at-risk", "missed-freeze")


@dataclass(frozen=True)
class Verdict:
    verdict: str
    deadline: dt.datetime | None
    prs: tuple[Pull, ...]
    notes: tuple[str, ...] = ()
    # The deadline already missed that makes the verdict late (None: on time, or a forecast).
    missed: str | None = None
    deadline_name: str = "code freeze"  # what ``deadline`` is, in a message


@dataclass(frozen=True)
class Action:
    verb: str  # accept, accept --at-risk, remove
    command: str
    why: str
    overdue: bool  # the deadline behind it has passed: the move is late (exit 1)


@dataclass
class Row:
    kep: str
    title: str
    sig: str
    stage: str
    state: str
    path: str
    gaps: list[str] = field(default_factory=list)
    code: Verdict | None = None
    docs: Verdict | None = None
    unlisted: list[str] = field(default_factory=list)
    issue: Issue | None = None
    exception: str | None = None  # what the exception block says, when the receipt holds one
    folder: str = ""  # the KEP's folder under keps/, as the receipt names it
    type: str = ""  # Net New, Graduating, Major Change, Deprecation (as the manifest says)
    readable: bool = True  # False: the receipt itself fails its schema; nothing else can be judged
    action: Action | None = None

    @property
    def ready(self) -> bool:
        return not self.gaps


class StatusError(Exception):
    """The release cannot be judged (its schedule.yaml cannot be read): one line, exit 2."""


@dataclass
class Status:
    release: str
    now: dt.datetime
    facts: Facts
    rows: list[Row]
    dates: dict[str, dt.datetime]
    closed: bool = False  # the release date has passed: no move can be made any more

    @property
    def overdue(self) -> list[Row]:
        return [row for row in self.rows if row.action is not None and row.action.overdue]

    @property
    def unknown(self) -> list[Row]:
        return [
            row
            for row in self.rows
            if any(v is not None and v.verdict == "unknown" for v in (row.code, row.docs))
        ]


def wanted(tree: Tree, release: str) -> tuple[set[str], set[int]]:
    """What to read from GitHub for ``release``: its listed pull requests, and its KEPs' issues."""
    snapshot = Snapshot(tree)
    urls: set[str] = set()
    numbers: set[int] = set()
    for file in receipt_files(tree.files_under(f"releases/{release}")):
        numbers.add(file.number)
        receipt = snapshot.receipt(file.path).model
        if receipt is not None and file.state in JUDGED:
            urls.update(receipt.implementation_prs or ())
            urls.update(receipt.docs_prs or ())
    return urls, numbers


def judge(
    tree: Tree,
    release: str,
    facts: Facts,
    now: dt.datetime,
    *,
    warn: dt.timedelta = dt.timedelta(days=7),
    choice: RuleChoice | None = None,
) -> Status:
    """Every receipt of ``release`` with its verdicts and the move it calls for, at ``now``."""
    snapshot = Snapshot(tree)
    info = release_info(snapshot, release, now)
    require_schedule(info)
    choice = choice or RuleChoice()
    rows = [
        _row(snapshot, file, info, facts, warn, choice)
        for file in receipt_files(tree.files_under(f"releases/{release}"))
    ]
    rows.sort(key=lambda row: (models.STATES.index(row.state), row.sig, int(row.kep)))
    _one_move_a_kep(rows)
    if info.closed:  # shipped: the verbs refuse every move, so none is called for
        for row in rows:
            row.action = None
    return Status(release, now, facts, rows, _dates(info), closed=info.closed)


def require_schedule(info: ReleaseInfo) -> None:
    """A schedule.yaml that is there but cannot be read would silently judge with no deadlines."""
    loaded = info.schedule
    if loaded.model is None and not loaded.missing:
        raise StatusError(
            f"{loaded.path} cannot be read, so no deadline can be judged: run `receipt-lint check --all` "
            "and fix it"
        )


def _one_move_a_kep(rows: list[Row]) -> None:
    """Two receipts for one KEP (a duplicate check reports): the first in state order gets the move."""
    seen: set[str] = set()
    for row in rows:
        if row.kep in seen and row.action is not None:
            row.action = None
            row.gaps.append(f"{row.path}: a second receipt for KEP {row.kep}: run receipt-lint check --all")
        seen.add(row.kep)


def _dates(info: ReleaseInfo) -> dict[str, dt.datetime]:
    deadlines = info.deadlines
    if deadlines is None:
        return {}
    named = {key: getattr(deadlines, key.replace("-", "_")) for key in models.SCHEDULE_ORDER}
    return {key: when for key, when in named.items() if when is not None}


def _row(
    snapshot: Snapshot,
    file: ReceiptFile,
    info: ReleaseInfo,
    facts: Facts,
    warn: dt.timedelta,
    choice: RuleChoice,
) -> Row:
    receipt = snapshot.receipt(file.path).model
    if receipt is None:
        return Row(str(file.number), "", "", "", file.state, file.path, gaps=[_invalid(file)], readable=False)
    row = Row(
        str(file.number),
        receipt.title,
        receipt.owning_sig,
        receipt.stage,
        file.state,
        file.path,
        issue=facts.issue(file.number),
        folder=receipt.path,
    )
    row.type = receipt_type(snapshot, file, receipt)
    if file.state == "removed":
        return row  # listed, with no verdict
    row.gaps = accepted_gaps(snapshot, file, info.now, choice)
    block = receipt.exception
    if block is not None:
        row.exception = _exception_text(block, file.state, info)
    if file.state in JUDGED:
        granted = file.state != "exception"  # a block outside exception/ is a decided, granted request
        code_deadline = info.deadline("code", block if granted else None)
        row.code = judge_code(receipt.implementation_prs or [], facts, code_deadline, info.now, warn)
        row.docs = judge_docs(receipt.docs_prs, facts, info, block if granted else None, warn)
        listed = {url.lower() for url in (*(receipt.implementation_prs or ()), *(receipt.docs_prs or ()))}
        mentioned = row.issue.referenced_by if row.issue else []
        row.unlisted = [url for url in mentioned if url.lower() not in listed]
    row.action = decide(row, info, block)
    return row


def _invalid(file: ReceiptFile) -> str:
    return f"{file.path} is not a valid receipt: run receipt-lint check --all"


def _exception_text(block: models.ExceptionRequest, state: str, info: ReleaseInfo) -> str:
    days = f"{block.additional_days} day{'s' if int(block.additional_days) != 1 else ''}"
    if state == "exception":
        return f"requested for {block.freeze} freeze (+{days}), pending"
    if state == "removed":
        return f"requested for {block.freeze} freeze, denied"
    until = info.deadline(block.freeze, block)
    end = f", until {ReleaseInfo.said(until)}" if until is not None and until.year < 9999 else ""
    return f"granted for {block.freeze} freeze (+{days}{end})"


def judge_code(
    urls: Iterable[str], facts: Facts, deadline: dt.datetime | None, now: dt.datetime, warn: dt.timedelta
) -> Verdict:
    """complete, merge-ready, in-progress, at-risk, missed-freeze, none-listed or unknown."""
    prs = tuple(facts.pull(url) for url in urls)
    passed = deadline is not None and now >= deadline
    near = deadline is not None and now >= deadline - warn
    if not prs:
        verdict = "missed-freeze" if passed else "at-risk" if near else "none-listed"
        return Verdict(verdict, deadline, prs, missed=_missed("code freeze", deadline, now, verdict))
    settled = _settled(prs)
    if settled is not None:
        verdict = settled
    else:
        verdict = "missed-freeze" if passed else "at-risk" if near else "in-progress"
    return Verdict(verdict, deadline, prs, _notes(prs), _missed("code freeze", deadline, now, verdict))


def _missed(name: str, deadline: dt.datetime | None, now: dt.datetime, verdict: str) -> str | None:
    if verdict != "missed-freeze" or deadline is None:
        return None
    return f"{name} passed {when(deadline, now)}"


def judge_docs(
    urls: list[str] | None,
    facts: Facts,
    info: ReleaseInfo,
    granted: models.ExceptionRequest | None,
    warn: dt.timedelta,
) -> Verdict:
    """not-needed, complete, merge-ready, placeholder-open, at-risk, missed-freeze, none-listed, unknown.

    After ``docs-pr-deadline`` at least one docs pull request must be open (a draft
    placeholder counts) or merged; after ``docs-freeze`` every one merged or merge-ready;
    within the warning days of docs freeze, one that is not is at risk.
    """
    freeze = info.deadline("docs", granted)
    deadlines = info.deadlines
    opening = deadlines.docs_pr_deadline if deadlines is not None else None
    if urls == []:
        return Verdict("not-needed", freeze, (), deadline_name="docs freeze")
    now = info.now
    opened_due = opening is not None and now >= opening
    frozen = freeze is not None and now >= freeze
    near = freeze is not None and now >= freeze - warn
    deadline = opening if opening is not None and not opened_due else freeze
    prs = tuple(facts.pull(url) for url in urls or ())
    live = any(pr.state in ("open", "merged") for pr in prs if pr.known)  # a placeholder, at least
    settled = _settled(prs) if prs else None
    if settled is not None:
        verdict = settled
    elif frozen:
        verdict = "missed-freeze"
    elif opened_due and not live and not any(not pr.known for pr in prs):
        verdict = "at-risk"  # nothing open by the docs PR deadline: late, not a forecast
    elif near or (prs and not live and not any(not pr.known for pr in prs)):
        verdict = "at-risk"  # a forecast, or every listed one closed unmerged
    elif live:
        verdict = "placeholder-open"
    else:
        verdict = "unknown" if prs else "none-listed"
    missed = None
    name = "docs PR deadline" if deadline is not None and deadline == opening else "docs freeze"
    if verdict == "missed-freeze" and freeze is not None:
        missed = f"docs freeze passed {when(freeze, now)}"
    elif verdict == "at-risk" and opened_due and not live and opening is not None:
        missed = f"the docs PR deadline passed {when(opening, now)} with no docs pull request open"
    return Verdict(verdict, deadline, prs, _notes(prs), missed, name)


def _settled(prs: tuple[Pull, ...]) -> str | None:
    """complete, merge-ready or unknown when no pull request that was read is still waiting; else None.

    An unreadable one keeps the verdict unknown: never guessed merged."""
    if any(pr.known and pr.state != "merged" and not pr.merge_ready for pr in prs):
        return None
    if any(not pr.known for pr in prs):
        return "unknown"
    return "complete" if all(pr.state == "merged" for pr in prs) else "merge-ready"


def _notes(prs: Iterable[Pull]) -> tuple[str, ...]:
    notes = []
    for pr in prs:
        if pr.state == "closed":
            notes.append(f"{pr.url} was closed without merging: replace it or drop it from the receipt")
        elif not pr.known:
            notes.append(f"{pr.url} could not be read ({pr.error})")
    return tuple(notes)


def decide(row: Row, info: ReleaseInfo, block: models.ExceptionRequest | None) -> Action | None:
    """The move ``row`` calls for, or None when its state already fits (or only the team can say)."""
    if row.state == "proposed":
        return _proposed(row, info)
    if row.state == "accepted":
        return _accepted(row, info, block)
    if row.state == "at-risk":
        return _at_risk(row, info, block)
    return None  # a pending exception is the team's decision; removed is done


def _proposed(row: Row, info: ReleaseInfo) -> Action | None:
    freeze = info.freeze("enhancements")
    if info.passed(freeze):
        assert freeze is not None
        return _action(
            row, "remove", f"enhancements freeze passed {when(freeze, info.now)} while it was proposed", True
        )
    if row.ready:
        return _action(row, "accept", "it meets every requirement for accepted", False)
    return _action(row, "accept --at-risk", _gaps(row), False)


def _documents_late(row: Row, info: ReleaseInfo, block: models.ExceptionRequest | None) -> bool:
    """Failing documents after enhancements freeze, with no exception that still covers it."""
    return (
        not row.ready and info.passed(info.freeze("enhancements")) and not info.covered(block, "enhancements")
    )


def _accepted(row: Row, info: ReleaseInfo, block: models.ExceptionRequest | None) -> Action | None:
    code, docs = row.code, row.docs
    assert code is not None and docs is not None
    if code.verdict == "missed-freeze":
        return _action(row, "remove", _code_why(code, info.now), True)
    if not row.ready:
        past_code = info.passed(code.deadline)  # code freeze, or a granted code exception's own deadline
        verb = "remove" if past_code else "accept --at-risk"
        return _action(row, verb, _gaps(row), past_code or _documents_late(row, info, block))
    if code.verdict == "at-risk":
        return _action(row, "accept --at-risk", _code_why(code, info.now), False)
    if docs.verdict in DOCS_BEHIND:  # docs alone never remove a KEP
        return _action(row, "accept --at-risk", _docs_why(docs, info.now), docs.missed is not None)
    return None


def _at_risk(row: Row, info: ReleaseInfo, block: models.ExceptionRequest | None) -> Action | None:
    code, docs = row.code, row.docs
    assert code is not None and docs is not None
    past = info.passed(code.deadline)
    if past and not row.ready:  # whatever the code: an unreadable pull request hides nothing
        return _action(row, "remove", _gaps(row) + "; the author may still request an exception", True)
    if code.verdict == "unknown":
        return None  # listed for the team; nothing is guessed
    if past and code.verdict not in ON_TRACK_CODE:
        return _action(
            row, "remove", _code_why(code, info.now) + "; the author may still request an exception", True
        )
    if _documents_late(row, info, block):
        enhancements = info.freeze("enhancements")
        assert enhancements is not None
        return _action(
            row, "remove", f"enhancements freeze passed {when(enhancements, info.now)}: {_gaps(row)}", True
        )
    fits = code.verdict in (*ON_TRACK_CODE, "in-progress") and row.ready and docs.verdict not in DOCS_BEHIND
    if fits:
        why = "its code is " + code.verdict.replace("-", " ") + " and its documents are ready"
        return _action(row, "accept", why, past)
    return None


def _action(row: Row, verb: str, why: str, overdue: bool) -> Action:
    flags = verb.split(" ", 1)[1:] if " " in verb else []
    name = verb.split(" ", 1)[0]
    command = " ".join(["receipt-lint", name, row.kep, "--release", _release_of(row.path), *flags])
    return Action(verb, command, why, overdue)


def _release_of(path: str) -> str:
    return path.split("/")[1]


def _gaps(row: Row) -> str:
    more = f" (and {len(row.gaps) - 1} more)" if len(row.gaps) > 1 else ""
    return f"its documents are not ready: {row.gaps[0]}{more}"


def _code_why(code: Verdict, now: dt.datetime) -> str:
    freeze = "code freeze" if code.deadline is None else f"code freeze {_relative(code.deadline, now)}"
    if not code.prs:
        return f"{freeze} and no implementation pull request is listed"
    behind = [pr for pr in code.prs if pr.known and pr.state != "merged" and not pr.merge_ready]
    unread = sum(not pr.known for pr in code.prs)
    if len(code.prs) == 1:
        said = "its pull request could not be read" if unread else "its pull request is not merge-ready"
    else:
        verb = "is" if len(behind) == 1 else "are"
        said = f"{len(behind)} of {len(code.prs)} pull requests {verb} not merge-ready"
        said += f" ({unread} could not be read)" if unread else ""
    return f"{freeze} and {said}"


def _docs_why(docs: Verdict, now: dt.datetime) -> str:
    if docs.missed is not None:
        return f"its docs are late: {docs.missed}"
    deadline = "" if docs.deadline is None else f" ({docs.deadline_name} {_relative(docs.deadline, now)})"
    if not docs.prs:
        return f"no docs pull request is listed{deadline}"
    return f"its docs are {docs.verdict.replace('-', ' ')}{deadline}"


def _relative(moment: dt.datetime, now: dt.datetime) -> str:
    return ("passed " if now >= moment else "is ") + when(moment, now)


def when(moment: dt.datetime, now: dt.datetime) -> str:
    """``in 17 h``, ``in 3 days``, ``2 days ago``: how far a deadline is, as a lead says it."""
    seconds = (moment - now).total_seconds()
    hours = abs(seconds) / 3600
    amount = f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"
    if hours < 1:
        amount = f"{abs(seconds) / 60:.0f} min"
    return f"in {amount}" if seconds > 0 else f"{amount} ago"
