"""The release manifest: the tracking sheet, made from the receipts.

Every receipt of a release by state; counts by state, stage, SIG and type
(Net New / Graduating / Major Change / Deprecation, from kep.yaml milestones);
each receipt's open problems from the check; and, per SIG, the outreach
message of the Enhancements Lead handbook.  ``manifest_pages`` writes it out."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from receipt_lint.engine.check import Options, check_all
from receipt_lint.engine.config import read_config
from receipt_lint.model import models
from receipt_lint.model.files import Tree
from receipt_lint.model.findings import Finding, Severity
from receipt_lint.model.layout import ReceiptFile, kep_path_problem, receipt_files, require_sig
from receipt_lint.model.times import parse_time, utc_text
from receipt_lint.model.versions import Version, parse_milestone, parse_release
from receipt_lint.reports.page import FOLDERS, ISSUES
from receipt_lint.rules import RULES_BY_ID
from receipt_lint.rules.base import slipped_in
from receipt_lint.trees.git import Repo
from receipt_lint.trees.snapshot import Snapshot

DEPRECATION = frozenset({"deprecated", "disabled", "removed"})


@dataclass
class Entry:
    kep: str  # a string in every JSON output, as in check
    title: str
    sig: str
    stage: str
    state: str
    type: str
    path: str
    problems: list[str] = field(default_factory=list)
    issue: str = ""  # the KEP's tracking issue
    folder: str = ""  # the KEP's folder, when the receipt names one that exists
    errors: bool = False  # the receipt has error-severity findings
    lacks: list[str] = field(default_factory=list)  # what it still needs: README gaps, PRR, docs
    # From a `status` snapshot (manifest --status): the code and docs verdicts and the move due.
    code: str | None = None
    docs: str | None = None
    action: str | None = None


@dataclass
class Manifest:
    release: str
    generated: str
    counts: dict[str, dict[str, int]]
    receipts: list[Entry]
    outreach: dict[str, str]
    dates: dict[str, str] = field(default_factory=dict)  # the schedule's dates, as it writes them
    # The html page's burn-down: receipts by state after each commit of the cycle, and the freezes.
    timeline: list[Point] = field(default_factory=list)
    freezes: dict[str, str] = field(default_factory=dict)
    # What ships: accepted receipts only, by stage and type (the release blog's numbers).
    shipping: dict[str, dict[str, int]] = field(default_factory=dict)
    # When the pull requests' state was read (manifest --status): the snapshot's time.
    status_read_at: str | None = None


@dataclass
class Point:
    date: str
    by_state: dict[str, int]


def build(tree: Tree, release: str, now: dt.datetime, sig: str | None = None) -> Manifest:
    snapshot = Snapshot(tree)
    # The repository's rule choice (.receipt-lint.yaml) holds here as in check: one verdict everywhere.
    result = check_all(tree, Options(now=now, release=release, rules=read_config(tree, RULES_BY_ID)))
    problems: dict[str, list[str]] = {}
    failing: set[str] = set()
    for finding in result.findings:
        # The receipts a finding is about (a README gap sits on README.md), else its own file.
        for receipt in finding.receipts or (finding.path,):
            problems.setdefault(receipt, []).append(
                f"{finding.severity.value} [{finding.rule}] {finding.message}"
            )
            if finding.severity is Severity.ERROR:
                failing.add(receipt)
    entries = [
        _entry(snapshot, file, release, problems.get(file.path, []), file.path in failing)
        for file in receipt_files(tree.files_under(f"releases/{release}"))
    ]
    require_sig(tree, sig, {e.sig for e in entries}, lambda: _receipt_sigs(snapshot))
    entries = [e for e in entries if sig is None or e.sig == sig]
    entries.sort(key=lambda e: (models.STATES.index(e.state), e.sig, int(e.kep)))
    for entry in entries:
        entry.lacks = _lacks(entry, result.findings)
    dates = _dates(snapshot, release)
    return Manifest(
        release,
        now.isoformat(timespec="minutes"),
        _counts(entries),
        entries,
        _outreach(entries, release, now, snapshot, dates, sig),
        dates=dates,
        freezes=_freezes(snapshot, release),
        shipping=_shipping(entries),
    )


# The acceptance checklist's items, as the outreach message names them.
_LACKS = {
    "kep-status": "an implementable KEP",
    "prr-missing": "a PRR approval",
    "prr-approver": "a PRR approval from a PRR approver",
    "missing-docs-prs": "docs PRs (or docs-prs: [])",
    "missing-implementation-prs": "implementation PRs",
}


def _lacks(entry: Entry, findings: Iterable[Finding]) -> list[str]:
    """What an active receipt still needs: its KEP's README gaps, PRR approval, docs, code."""
    if entry.state == "removed":
        return []
    readme = entry.folder.replace(FOLDERS, "keps/") + "/README.md" if entry.folder else None
    lacks: list[str] = []
    for finding in findings:
        if finding.rule == "kep-readme" and finding.path in (readme, entry.path):
            lacks.append("README: " + finding.message.split(" (for ")[0])
        elif finding.path == entry.path and finding.rule in _LACKS:
            lacks.append(_LACKS[finding.rule])
    return list(dict.fromkeys(lacks))


def _shipping(entries: list[Entry]) -> dict[str, dict[str, int]]:
    """What the release ships: accepted receipts only (``counts`` tracks every receipt)."""
    accepted = [e for e in entries if e.state == "accepted"]
    return {
        name: dict(sorted(Counter(getattr(e, attr) for e in accepted).items()))
        for name, attr in (("by_stage", "stage"), ("by_type", "type"))
    }


def _counts(entries: list[Entry]) -> dict[str, dict[str, int]]:
    """By state (every state, zero included), stage, SIG and type; a KEP with two receipts counts once."""
    once = list({e.kep: e for e in reversed(entries)}.values())  # the first receipt in state order
    by_state = dict.fromkeys(models.STATES, 0) | Counter(e.state for e in once)
    counts = {"by_state": by_state}
    for name, attr in (("by_stage", "stage"), ("by_sig", "sig"), ("by_type", "type")):
        counts[name] = dict(sorted(Counter(getattr(e, attr) for e in once).items()))
    return counts


_FREEZE_NAMES = {
    "prr-freeze": "PRR freeze",
    "enhancements-freeze": "enhancements freeze",
    "code-freeze": "code freeze",
    "docs-freeze": "docs freeze",
    "release": "release",
}


def _freezes(snapshot: Snapshot, release: str) -> dict[str, str]:
    """The freezes, dated as the schedule writes them (``2027-04-22`` stays a date), when it is valid."""
    if snapshot.schedule(release).model is None:
        return {}
    written = _dates(snapshot, release)
    return {name: written[key] for key, name in _FREEZE_NAMES.items() if key in written}


def timeline(repo: Repo, head: str, release: str, *, cache: bool = True) -> list[Point]:
    """Receipts of ``release`` by state after each first-parent commit that moved one (from history)."""
    from receipt_lint.reports import history

    counts = dict.fromkeys(models.STATES, 0)
    points: list[Point] = []
    for step in history.read(repo, head, release=release, cache=cache).steps:
        if step.from_state is not None:
            counts[step.from_state] -= 1
        if step.to_state is not None:
            counts[step.to_state] += 1
        point = Point(utc_text(step.commit.date), dict(counts))
        if points and points[-1].date == point.date:
            points[-1] = point  # one point per commit
        else:
            points.append(point)
    return points


def _receipt_sigs(snapshot: Snapshot) -> set[str]:
    """The owning SIG every receipt of every release names (read only to tell a typo from a SIG)."""
    models_ = (
        snapshot.receipt(file.path).model for file in receipt_files(snapshot.tree.files_under("releases"))
    )
    return {receipt.owning_sig for receipt in models_ if receipt is not None}


def _entry(snapshot: Snapshot, file: ReceiptFile, release: str, problems: list[str], errors: bool) -> Entry:
    number = str(file.number)
    receipt = snapshot.receipt(file.path).model
    if receipt is None:
        return _invalid_entry(snapshot, file, problems)
    kep = _kep_of(snapshot, receipt)
    return Entry(
        str(receipt.kep_number),
        receipt.title,
        receipt.owning_sig,
        receipt.stage,
        file.state,
        receipt_type(snapshot, file, receipt, kep),
        file.path,
        problems,
        issue=ISSUES + number,
        folder=FOLDERS + receipt.path if kep is not None else "",
        errors=errors,
    )


def _invalid_entry(snapshot: Snapshot, file: ReceiptFile, problems: list[str]) -> Entry:
    """What can still be read of an invalid receipt: its number, and its KEP when ``path`` resolves."""
    document = snapshot.receipt(file.path).document
    path = document.data.get("path") if document is not None else None
    kep = snapshot.kep(path).model if isinstance(path, str) and kep_path_problem(path) is None else None
    stage = document.data.get("stage") if document is not None else None
    return Entry(
        str(file.number),
        kep.title.strip() if kep else "(invalid receipt)",
        kep.owning_sig if kep else "(unknown)",
        stage if isinstance(stage, str) else "(unknown)",
        file.state,
        "Unknown",
        file.path,
        problems,
        issue=ISSUES + str(file.number),
        folder=FOLDERS + path if kep is not None and isinstance(path, str) else "",
        errors=True,
    )


def _kep_of(snapshot: Snapshot, receipt: models.Receipt) -> models.Kep | None:
    return snapshot.kep(receipt.path).model if kep_path_problem(receipt.path) is None else None


def receipt_type(
    snapshot: Snapshot, file: ReceiptFile, receipt: models.Receipt, kep: models.Kep | None = None
) -> str:
    """The type of ``receipt`` in its release (kep_type, from its KEP's kep.yaml and the slips)."""
    kep = kep if kep is not None else _kep_of(snapshot, receipt)
    return kep_type(
        kep, receipt.stage, file.release, lambda earlier: file.number in slipped_in(snapshot, earlier)
    )


def kep_type(
    kep: models.Kep | None, stage: str, release: str, slipped: Callable[[Version], bool] = lambda _: False
) -> str:
    """Net New, Graduating, Major Change or Deprecation, as the tracking sheet had them.

    A stage reached in an earlier release is a Major Change, unless the KEP slipped
    there (``slipped``: its receipt ended removed): then it never reached the stage,
    and it is still new (design doc section 6).
    """
    if stage in DEPRECATION:
        return "Deprecation"
    reached = parse_milestone(kep.milestone_for(stage)) if kep else None
    current = parse_release(release)
    if reached is None or current is None:
        return "Unknown"
    if reached.version < current and not slipped(reached.version):
        return "Major Change"
    return "Net New" if stage == "alpha" else "Graduating"


def _outreach(
    entries: list[Entry],
    release: str,
    now: dt.datetime,
    snapshot: Snapshot,
    dates: dict[str, str],
    only_sig: str | None = None,
) -> dict[str, str]:
    """The handbook's message to each SIG, as plain text to paste into Slack or mail.

    A SIG with enhancements gets the handbook's check-in; a SIG of keps/ with none
    in this release (or only removed ones) gets its call for enhancements.
    """
    freeze = _next_freeze(snapshot, release, now, dates)
    messages = {}
    quiet = {s for s in _sigs_of_keps(snapshot) if only_sig is None or s == only_sig}
    for sig in sorted({e.sig for e in entries} | quiet):
        mine = [e for e in entries if e.sig == sig and e.state != "removed"]
        at_risk = sum(1 for e in mine if e.state == "at-risk")
        if not mine:
            messages[sig] = (
                f"Hello {sig}. Enhancements team here. Just checking in as we approach {freeze}. "
                f"Your SIG has not submitted any enhancements for the {release} cycle. If your SIG still "
                "plans to submit an enhancement, opt it in (receipt-lint promote) so the enhancements team "
                "can begin tracking. If your SIG is not planning to submit an enhancement, please reply to "
                "this message to confirm. Please reach out to #release-enhancements if you have any "
                "questions."
            )
            continue
        messages[sig] = (
            f"Hello {sig}. Enhancements team here. Just checking in as we approach {freeze}. "
            f"Your SIG has submitted {_plural(len(mine), 'enhancement')} for the {release} cycle, and "
            f"{_plural(at_risk, 'enhancement')} {'is' if at_risk == 1 else 'are'} currently At Risk. "
            "Please plan to make KEP updates to meet all of the requirements before the freeze. "
            "Please reach out to #release-enhancements if you have any questions."
        ) + "".join(f"\n- KEP {e.kep} ({e.title}) still needs: {'; '.join(e.lacks)}" for e in mine if e.lacks)
    return messages


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _dates(snapshot: Snapshot, release: str) -> dict[str, str]:
    """The schedule's dates as it writes them (``2026-02-12T02:00:00Z`` stays so)."""
    document = snapshot.schedule(release).document
    if document is None:
        return {}
    return {key: str(value) for key, value in document.data.items() if isinstance(value, str)}


def _next_freeze(snapshot: Snapshot, release: str, now: dt.datetime, dates: dict[str, str]) -> str:
    schedule = snapshot.schedule(release).model
    if schedule is None:
        return "the next freeze"
    upcoming = [
        (when, name, key)
        for name, key, when in (
            ("PRR freeze", "prr-freeze", schedule.prr_freeze),
            ("enhancements freeze", "enhancements-freeze", schedule.enhancements_freeze),
            ("code freeze", "code-freeze", schedule.code_freeze),
            ("docs freeze", "docs-freeze", schedule.docs_freeze),
        )
        if when and when > now
    ]
    if not upcoming:
        return "the release"
    _, name, key = min(upcoming)
    return f"{name} at {readable_time(dates[key])}" if key in dates else name


def readable_time(text: str) -> str:
    """A schedule time as a person reads it: ``Thursday 19 March, 02:00 UTC``; a bare date ends at 23:59."""
    when = dt.datetime.fromtimestamp(deadline_moment(text), dt.timezone.utc)
    return f"{when:%A} {when.day} {when:%B}, {when:%H:%M} UTC"


def _sigs_of_keps(snapshot: Snapshot) -> set[str]:
    """The SIGs with a folder under keps/ (``sig-node``; not prod-readiness or the template)."""
    return {
        path.split("/")[1]
        for path in snapshot.tree.files_under("keps")
        if path.count("/") >= 2 and path.split("/")[1].startswith("sig-")
    }


def deadline_moment(text: str) -> float:
    """A time's moment; a bare date's is the end of that day (its last second), as deadlines go."""
    moment = parse_time(text, bare_date="end")
    return moment.timestamp() - (1 if len(text.strip()) == len("2027-04-22") else 0)
