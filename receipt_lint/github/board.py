"""The release board from the receipts (design doc section 11): what must change so the board agrees.

Pure: the receipts, the schedule and the board as read go in; the plan comes out (each
item's field from -> to, the labels and milestone with ``--labels``, the items with no
receipt).  The tool owns the Stage, SIG, Type and Status fields and the ``tracked/*``
and ``stage/*`` label families; it never touches another field or label, and never
removes an item.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from receipt_lint.github.projects import Board, IssueState, Item
from receipt_lint.github.status import StatusError, require_schedule
from receipt_lint.model import models
from receipt_lint.model.files import Tree
from receipt_lint.model.layout import receipt_files
from receipt_lint.model.versions import parse_milestone, parse_release
from receipt_lint.reports.manifest import receipt_type
from receipt_lint.rules.base import ReleaseInfo, release_info
from receipt_lint.trees.snapshot import Snapshot

OWNED = ("Stage", "SIG", "Type", "Status")
FREEZES = (
    ("prr", "PRR Freeze"),
    ("enhancements", "Enhancements Freeze"),
    ("code", "Code Freeze"),
    ("docs", "Docs Freeze"),
)
DEPRECATING = frozenset({"deprecated", "disabled", "removed"})


class BoardError(Exception):
    """The project cannot take the plan (a field or option it lacks): nothing is written, exit 2."""


@dataclass(frozen=True)
class Wanted:
    """What the board should say of one receipt."""

    kep: int
    state: str
    values: dict[str, str]  # field -> the wanted value, as the receipts say it (matched to an option later)


@dataclass(frozen=True)
class Change:
    kep: str
    item: str | None  # the item's id; None for an item still to be added
    field: str  # a field name, or "item" for the addition
    before: str | None
    after: str
    option: str | None = None  # the option's id


@dataclass(frozen=True)
class LabelChange:
    kep: str
    add: tuple[str, ...]
    remove: tuple[str, ...]
    milestone: tuple[str | None, str | None] | None  # (from, to) when it changes


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    labels: list[LabelChange] = field(default_factory=list)
    untracked: list[str] = field(default_factory=list)
    missing_issues: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the receipts cannot say: a person looks
    cannot: list[str] = field(default_factory=list)  # what the project or repository lacks: no write

    @property
    def empty(self) -> bool:
        """Nothing to write."""
        return not self.changes and not self.labels

    @property
    def agrees(self) -> bool:
        """The board is true to the receipts: nothing to write, and nothing left unsaid."""
        return self.empty and not self.missing_issues and not self.notes and not self.cannot


@dataclass
class Receipts:
    wanted: list[Wanted]
    notes: list[str]  # receipts that cannot be read, a second receipt, a Type that cannot be told
    unreadable: set[int]  # KEPs whose receipt cannot be read: they have one, so they are not "no receipt"


def wanted(tree: Tree, release: str, now: dt.datetime) -> Receipts:
    """Stage, SIG, Type and Status for every valid receipt of ``release`` (a KEP once: its first by state)."""
    snapshot = Snapshot(tree)
    info = release_info(snapshot, release, now)
    try:
        require_schedule(info)
    except StatusError as error:
        raise BoardError(str(error)) from None
    found: dict[int, Wanted] = {}
    notes: list[str] = []
    unreadable: set[int] = set()
    files = sorted(
        receipt_files(tree.files_under(f"releases/{release}")), key=lambda f: models.STATES.index(f.state)
    )
    for file in files:
        receipt = snapshot.receipt(file.path).model
        if receipt is None:
            notes.append(f"{file.path} is not a valid receipt: run receipt-lint check --all")
            unreadable.add(file.number)
            continue
        if file.number in found:
            notes.append(f"{file.path}: a second receipt for KEP {file.number}: run receipt-lint check --all")
            continue
        kind = receipt_type(snapshot, file, receipt)
        values = {
            "Stage": receipt.stage,
            "SIG": receipt.owning_sig,
            "Type": kind,
            "Status": status_text(file.state, receipt.exception, info),
        }
        if kind == "Unknown":  # no readable kep.yaml, or no milestone for the stage
            del values["Type"]
            notes.append(
                f"KEP {file.number}: its Type cannot be told: its kep.yaml cannot be read, or its "
                f"milestone.{receipt.stage} is not one release (receipt-lint check --all says which): "
                "left as it is"
            )
        found[file.number] = Wanted(file.number, file.state, values)
    return Receipts(sorted(found.values(), key=lambda w: w.kep), notes, unreadable - set(found))


def next_freeze(info: ReleaseInfo) -> str:
    """The first freeze the schedule dates that has not passed; after the last, the last."""
    dated = [(name, info.freeze(key)) for key, name in FREEZES if info.freeze(key) is not None]
    for name, moment in dated:
        if not info.passed(moment):
            return name
    return dated[-1][0] if dated else "Enhancements Freeze"


def status_text(state: str, block: models.ExceptionRequest | None, info: ReleaseInfo) -> str:
    if state == "accepted":
        return f"Tracked for {next_freeze(info)}"
    if state == "exception":
        return "Exception Pending"
    if state == "removed":
        return "Removed From Milestone"
    if state == "at-risk" and block is not None and info.covered(block, block.freeze):
        return "Exception Approved"  # granted, and its deadline has not passed
    return f"At Risk for {next_freeze(info)}"


def _plain(text: str) -> str:
    return "".join(text.lower().split())


def _sig(text: str) -> str:
    plain = _plain(text).replace("-", "")
    return plain.removeprefix("sig")


def match(field_name: str, value: str, options: dict[str, str]) -> str | None:
    """The option of ``options`` that means ``value`` (design doc section 11), or None."""
    if field_name == "SIG":
        return next((name for name in options if _sig(name) == _sig(value)), None)
    exact = next((name for name in options if _plain(name) == _plain(value)), None)
    if exact is None and field_name == "Stage" and value in DEPRECATING:
        return next((name for name in options if _plain(name).startswith("deprecat")), None)
    return exact


def plan(board: Board, receipts: Receipts, issues_repo: str, issues: dict[int, IssueState] | None) -> Plan:
    """What must change on ``board`` for it to agree with ``receipts``; BoardError when it cannot."""
    named = _field_names(board)
    result = Plan(notes=list(receipts.notes))
    present = []
    for receipt in receipts.wanted:
        if issues is not None and receipt.kep not in issues:
            result.missing_issues.append(f"{issues_repo}#{receipt.kep}")
        else:
            present.append(receipt)
    result.cannot = _cannot(board, named, present)
    items = {
        (item.repo.lower(), item.number): item for item in board.items if item.kind == "Issue" and item.repo
    }
    for receipt in present:
        item = items.get((issues_repo.lower(), receipt.kep))
        result.changes += _field_changes(board, named, receipt, item)
    owned = {receipt.kep for receipt in receipts.wanted} | receipts.unreadable
    result.untracked = [
        _name(item)
        for item in board.items
        if not (
            item.kind == "Issue" and (item.repo or "").lower() == issues_repo.lower() and item.number in owned
        )
    ]
    return result


def _field_names(board: Board) -> dict[str, str]:
    """The project's own name of each owned field (``status`` is Status: names match as options do)."""
    return {
        owned: next((name for name in board.fields if _plain(name) == _plain(owned)), owned)
        for owned in OWNED
    }


def _cannot(board: Board, named: dict[str, str], receipts: list[Wanted]) -> list[str]:
    """Every field and option the receipts need that the project lacks, each named with what it has."""
    missing = [name for name in OWNED if named[name] not in board.fields]
    problems = []
    if missing:
        have = ", ".join(sorted(board.fields)) or "none"
        problems.append(
            f"project {board.title!r} has no single-select field {', '.join(missing)} (its single-select "
            f"fields: {have}): add it, or fix the name"
        )
    lacking: dict[str, set[str]] = {}
    for receipt in receipts:
        for name, value in receipt.values.items():
            if name not in missing and match(name, value, board.fields[named[name]].options) is None:
                lacking.setdefault(name, set()).add(value)
    for name, values in lacking.items():
        problems.append(
            f"{name} has no option for {', '.join(sorted(values))} (its options: "
            f"{', '.join(board.fields[named[name]].options) or 'none'}): add it"
        )
    return problems


def _field_changes(board: Board, named: dict[str, str], receipt: Wanted, item: Item | None) -> list[Change]:
    kep = str(receipt.kep)
    changes = [Change(kep, None, "item", None, "added")] if item is None else []
    for name, value in receipt.values.items():
        if named[name] not in board.fields:
            continue  # named in plan.cannot
        options = board.fields[named[name]].options
        option = match(name, value, options)
        if option is None:
            continue  # named in plan.cannot
        before = item.values.get(named[name]) if item is not None else None
        if before != option:
            changes.append(
                Change(kep, item.id if item else None, named[name], before, option, options[option])
            )
    return changes


def _later(milestone: str | None, release: str) -> bool:
    """Whether ``milestone`` names a release after ``release`` (the KEP moved on); an odd title counts."""
    if milestone is None or milestone == release:
        return False
    said, ours = parse_milestone(milestone), parse_release(release)
    return said is None or ours is None or said.version > ours


def _name(item: Item) -> str:
    if item.kind == "DraftIssue" or not item.repo:
        return f"draft: {item.title}"
    kind = "pull request " if item.kind == "PullRequest" else ""
    return f"{kind}{item.repo}#{item.number} {item.title}".strip()


def label_changes(
    receipts: Receipts, issues: dict[int, IssueState], release: str
) -> tuple[list[LabelChange], list[str]]:
    """With ``--labels``: lead-opted-in, tracked/yes|no, one stage/<stage>, and the release's milestone.

    A removed receipt whose issue already carries another release's milestone is left alone (and
    said): the KEP moved on, and that release's board run owns its labels now.
    """
    found, notes = [], []
    for receipt in receipts.wanted:
        issue = issues.get(receipt.kep)
        if issue is None:
            continue
        removed = receipt.state == "removed"
        if removed and _later(issue.milestone, release):
            notes.append(
                f"KEP {receipt.kep}: removed here, its issue is in milestone {issue.milestone}: labels left"
            )
            continue
        want = {
            "lead-opted-in",
            "tracked/no" if removed else "tracked/yes",
            f"stage/{receipt.values['Stage']}",
        }
        have = {label.lower() for label in issue.labels}
        owned = [label for label in issue.labels if label.lower().startswith(("tracked/", "stage/"))]
        add = tuple(sorted(label for label in want if label not in have))
        remove = tuple(sorted(label for label in owned if label.lower() not in want))
        target = None if removed else release
        milestone = (issue.milestone, target) if issue.milestone != target else None
        if add or remove or milestone:
            found.append(LabelChange(str(receipt.kep), add, remove, milestone))
    return found, notes
