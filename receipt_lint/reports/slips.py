"""Slipped enhancements, per KEP and per SIG (design doc section 9).

The SIG chairs' story: "review slipped enhancements; determine what phase it
missed; identify multiple slips".  The receipts of the head say where each KEP
ended in each release; the replayed history says when it left the active
states, which the release's schedule turns into the phase it missed.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections import Counter
from typing import NamedTuple

from receipt_lint.model.files import Tree
from receipt_lint.model.layout import ReceiptFile, kep_path_problem, receipt_files, require_sig
from receipt_lint.model.models import Schedule
from receipt_lint.model.names import ACTIVE_STATES
from receipt_lint.model.times import utc_text
from receipt_lint.model.versions import Version, parse_milestone, parse_release
from receipt_lint.reporters import markdown_cell, one_line
from receipt_lint.reports.history import History, plural
from receipt_lint.reports.page import ISSUES, head
from receipt_lint.rules.base import release_info
from receipt_lint.trees.snapshot import Snapshot

PERMABETA_RELEASES = 3  # beta for this many minor releases or more, counted to the newest release
FLAGS = ("multiple-slips", "permabeta")


class ReleaseRecord(NamedTuple):
    release: str
    state: str  # the receipt's final state; for a receipt the head lacks, the last one history saw
    stage: str | None  # None when the head has no receipt to read it from
    slipped: bool
    # The freeze missed: prr, enhancements, code or docs; "withdrawn" when it left before any
    # freeze (no slip); None with no schedule, or when it did not leave.
    phase: str | None


class KepRecord(NamedTuple):
    kep: str
    sig: str
    title: str
    releases: tuple[ReleaseRecord, ...]
    flags: tuple[str, ...]


class Report(NamedTuple):
    keps: tuple[KepRecord, ...]
    by_sig: dict[str, dict[str, int]]
    made: str = ""  # when the report was made (its --now): the html page says so


def build(tree: Tree, history: History, now: dt.datetime, sig: str | None = None) -> Report:
    snapshot = Snapshot(tree)
    left = _left_active(history)
    last = _last_states(history)
    files = list(receipt_files(tree.files_under("releases")))
    newest = _newest_release(tree)
    by_kep: dict[int, list[ReceiptFile]] = {}
    for file in files:
        by_kep.setdefault(file.number, []).append(file)
    for kep in last:  # a receipt history had but the head lost still counts
        by_kep.setdefault(int(kep), [])
    keps = [
        _kep(snapshot, number, by_kep[number], last.get(str(number), {}), left, now, newest)
        for number in sorted(by_kep)
    ]
    require_sig(tree, sig, {k.sig for k in keps})
    keps = [k for k in keps if sig is None or k.sig == sig]
    keps.sort(key=lambda k: (k.sig, int(k.kep)))
    return Report(tuple(keps), _by_sig(keps), utc_text(now))


def _left_active(history: History) -> dict[tuple[str, str], dt.datetime]:
    """(release, KEP) -> when its receipt last left the active states there.

    By moving to removed, by being deleted, or by moving to another release.
    """
    left: dict[tuple[str, str], dt.datetime] = {}
    for step in history.steps:
        transition = step.transition
        if transition.from_state not in ACTIVE_STATES:
            continue
        if transition.from_release is not None:
            left[(transition.from_release, step.kep)] = step.commit.date
        elif transition.to_state not in ACTIVE_STATES:
            left[(step.release, step.kep)] = step.commit.date
    return left


def _last_states(history: History) -> dict[str, dict[str, str]]:
    """KEP -> release -> the last state history saw its receipt in there (before a deletion or move away)."""
    last: dict[str, dict[str, str]] = {}
    for step in history.steps:
        transition = step.transition
        seen = last.setdefault(step.kep, {})
        if transition.from_release is not None and transition.from_state is not None:
            seen[transition.from_release] = transition.from_state
        state = transition.to_state or transition.from_state
        if state is not None:
            seen[step.release] = state
    return last


def _kep(
    snapshot: Snapshot,
    number: int,
    files: list[ReceiptFile],
    last: dict[str, str],
    left: dict[tuple[str, str], dt.datetime],
    now: dt.datetime,
    newest: Version | None,
) -> KepRecord:
    records = {file.release: _record(snapshot, file, left, now) for file in files}
    for release, state in last.items():
        if release not in records:  # history holds a receipt the head lacks: deleted, or moved away
            records[release] = _verdict(snapshot, release, str(number), state, None, left, now)
    ordered = tuple(sorted(records.values(), key=lambda r: parse_release(r.release) or Version(0, 0)))
    sig, title, kep_path = _identity(snapshot, files, number)
    flags = []
    stages = Counter(r.stage for r in ordered if r.slipped and r.stage is not None)  # unknown: not "the same"
    if any(count >= 2 for count in stages.values()):
        flags.append("multiple-slips")
    if kep_path is not None and _permabeta(snapshot, kep_path, newest):
        flags.append("permabeta")
    return KepRecord(str(number), sig, title, ordered, tuple(flags))


def _record(
    snapshot: Snapshot, file: ReceiptFile, left: dict[tuple[str, str], dt.datetime], now: dt.datetime
) -> ReleaseRecord:
    receipt = snapshot.receipt(file.path).model
    stage = receipt.stage if receipt else None
    return _verdict(snapshot, file.release, str(file.number), file.state, stage, left, now)


def _verdict(
    snapshot: Snapshot,
    name: str,
    number: str,
    state: str,
    stage: str | None,
    left: dict[tuple[str, str], dt.datetime],
    now: dt.datetime,
) -> ReleaseRecord:
    """Whether the KEP slipped in release ``name``, ending there in ``state``, and the phase it missed.

    The team removes a KEP just after the freeze it missed: the phase is the last
    freeze that had passed when the receipt left the active states (design doc
    section 9). Left before any freeze, it was withdrawn: listed, not a slip. A
    receipt the release closed on is judged by its state then: still proposed
    missed enhancements freeze; at risk or waiting on an exception, code freeze.
    """
    release = release_info(snapshot, name, now)
    slipped = state == "removed" or (release.closed and state != "accepted")
    phase = None
    deadlines = release.deadlines
    if slipped and deadlines is not None:
        when = left.get((name, number))
        if state != "removed":
            phase = "enhancements" if state == "proposed" else "code"
        elif when is not None:
            phase = _phase(when, deadlines)
    return ReleaseRecord(name, state, stage, slipped and phase != "withdrawn", phase)


def _phase(when: dt.datetime, deadlines: Schedule) -> str:
    """The last freeze that had passed at ``when``; ``withdrawn`` when none had."""
    passed = "withdrawn"
    for name in ("prr", "enhancements", "code", "docs"):
        deadline = getattr(deadlines, f"{name}_freeze", None)
        if deadline is not None and deadline <= when:
            passed = name
    return passed


def _identity(snapshot: Snapshot, files: list[ReceiptFile], number: int) -> tuple[str, str, str | None]:
    """SIG, title and KEP folder from the newest receipt that can be read, else from the KEP's kep.yaml.

    A KEP whose receipts were all deleted still belongs to its SIG's totals.
    """
    for file in sorted(files, key=lambda f: parse_release(f.release) or Version(0, 0), reverse=True):
        receipt = snapshot.receipt(file.path).model
        if receipt is not None:
            usable = kep_path_problem(receipt.path) is None
            return receipt.owning_sig, receipt.title, receipt.path if usable else None
    kep_path = _kep_folders(snapshot).get(number)
    kep = snapshot.kep(kep_path).model if kep_path is not None else None
    if kep is not None:
        return kep.owning_sig, kep.title, kep_path
    return "(unknown)", "(no readable receipt)", None


def _kep_folders(snapshot: Snapshot) -> dict[int, str]:
    """KEP number (from its folder's name) -> its folder under keps/; listed once, when first needed."""
    return snapshot.memo(("slips", "kep folders"), lambda: _list_kep_folders(snapshot.tree))


def _list_kep_folders(tree: Tree) -> dict[int, str]:
    folders: dict[int, str] = {}
    for path in tree.files_under("keps"):
        parts = path.split("/")
        named = re.match(r"([0-9]+)-", parts[-2]) if len(parts) >= 4 and parts[-1] == "kep.yaml" else None
        if named is not None:
            folders.setdefault(int(named[1]), "/".join(parts[1:-1]))
    return folders


def _newest_release(tree: Tree) -> Version | None:
    """The newest release folder, receipts or not: a release just created counts (design doc section 9)."""
    names = {path.split("/")[1] for path in tree.files_under("releases") if path.count("/") >= 2}
    return max((v for v in map(parse_release, names) if v), default=None)


def _permabeta(snapshot: Snapshot, kep_path: str, newest: Version | None) -> bool:
    """kep.yaml says beta, and reached beta three or more minor releases before the newest release."""
    kep = snapshot.kep(kep_path).model
    if kep is None or newest is None or (kep.stage or "").strip() != "beta":
        return False
    beta = parse_milestone(kep.milestone_for("beta"))
    return (
        beta is not None
        and beta.version.major == newest.major
        and newest.minor - beta.version.minor >= PERMABETA_RELEASES
    )


def _by_sig(keps: list[KepRecord]) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {}
    for kep in keps:
        counts = totals.setdefault(kep.sig, {"keps": 0, "slips": 0, "multiple-slips": 0, "permabeta": 0})
        counts["keps"] += 1
        counts["slips"] += sum(1 for r in kep.releases if r.slipped)
        for flag in kep.flags:
            counts[flag] += 1
    return dict(sorted(totals.items()))


def as_dict(report: Report) -> dict[str, object]:
    """The JSON shape of the CLI contract ("Reports")."""
    return {
        "keps": [
            {
                "kep": kep.kep,
                "sig": kep.sig,
                "title": kep.title,
                "releases": [record._asdict() for record in kep.releases],
                "flags": list(kep.flags),
            }
            for kep in report.keps
        ],
        "by_sig": report.by_sig,
    }


def render(report: Report, format_name: str) -> str:
    if format_name == "json":
        return json.dumps(as_dict(report), indent=2) + "\n"
    rows = [_row(kep) for kep in report.keps]
    if format_name == "html":
        return _html(report, rows)
    if format_name == "markdown":
        lines = [
            "# Slipped enhancements",
            "",
            "| KEP | SIG | title | releases | flags |",
            "|---|---|---|---|---|",
        ]
        lines += ["| " + " | ".join(markdown_cell(cell) for cell in row) + " |" for row in rows]
        lines += ["", "| SIG | KEPs | slips | multiple slips | permabeta |", "|---|---|---|---|---|"]
        lines += [
            f"| {sig} | {' | '.join(str(v) for v in counts.values())} |"
            for sig, counts in report.by_sig.items()
        ]
        return "\n".join(lines) + "\n"
    lines = [
        f"KEP {row[0]}  {one_line(row[1])}  {one_line(row[2])}\n  {one_line(row[3])}"
        + (f"\n  flags: {row[4]}" if row[4] else "")
        for row in rows
    ]
    lines += [
        f"{sig}: {plural(c['keps'], 'KEP')}, {plural(c['slips'], 'slip')}, {c['multiple-slips']} with "
        f"multiple slips, {c['permabeta']} permabeta"
        for sig, c in report.by_sig.items()
    ]
    return "\n".join(lines or ["no KEP has had a receipt"]) + "\n"


def _row(kep: KepRecord) -> tuple[str, str, str, str, str]:
    releases = "; ".join(
        f"{r.release} {r.state}"
        + (f" ({r.stage})" if r.stage else "")
        + (f", slipped{_phase_words(r.phase)}" if r.slipped else "")
        + (", withdrawn before any freeze (no slip)" if r.phase == "withdrawn" else "")
        for r in kep.releases
    )
    return kep.kep, kep.sig, kep.title, releases, ", ".join(kep.flags)


def _phase_words(phase: str | None) -> str:
    """`` at enhancements freeze``, or nothing without a schedule."""
    return f" at {phase} freeze" if phase is not None else ""


def _html(report: Report, rows: list[tuple[str, str, str, str, str]]) -> str:
    """Slipped KEPs first (those with flags first among them), each linked to its enhancement issue."""
    esc = html.escape
    slipped = {kep.kep: any(r.slipped for r in kep.releases) for kep in report.keps}
    flagged = {kep.kep: bool(kep.flags) for kep in report.keps}
    ordered = sorted(rows, key=lambda row: (not slipped[row[0]], not flagged[row[0]]))
    body = "".join(
        f"<tr><td><a href='{ISSUES}{esc(row[0])}'>{esc(row[0])}</a></td>"
        + "".join(f"<td>{esc(cell)}</td>" for cell in row[1:])
        + "</tr>"
        for row in ordered
    )
    sigs = "".join(
        f"<tr><td>{esc(sig)}</td>" + "".join(f"<td>{value}</td>" for value in counts.values()) + "</tr>"
        for sig, counts in report.by_sig.items()
    )
    return (
        head("Slipped enhancements")
        + f"<h1>Slipped enhancements</h1><p>Made {esc(report.made)}; slipped KEPs first.</p>"
        "<div class='wide'><table><thead><tr><th>KEP</th><th>SIG</th><th>title</th>"
        f"<th>releases</th><th>flags</th></tr></thead><tbody>{body}</tbody></table></div>"
        "<h2>By SIG</h2><div class='wide'><table><thead><tr><th>SIG</th><th>KEPs</th><th>slips</th>"
        "<th>multiple slips</th>"
        f"<th>permabeta</th></tr></thead><tbody>{sigs}</tbody></table></div></body></html>\n"
    )
