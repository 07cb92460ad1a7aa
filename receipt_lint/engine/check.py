"""Runs the rules over a tree and returns a Result; never prints, never exits."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from receipt_lint.engine.config import RuleChoice
from receipt_lint.model.files import Tree
from receipt_lint.model.findings import ConfigProblem, Finding, Severity
from receipt_lint.model.layout import RELEASES, Misplaced, ReceiptFile, classify, release_folder
from receipt_lint.model.transitions import Transition as Transition  # re-exported: check's result holds them
from receipt_lint.model.versions import parse_release
from receipt_lint.rules import ALL_RULES
from receipt_lint.rules.base import (
    Problem,
    ReceiptContext,
    Rule,
    TreeContext,
    release_info,
)
from receipt_lint.trees.snapshot import Snapshot

_MOVE_TO_AT_RISK = " (an accepted receipt must meet this: fix it, or move the receipt to at-risk)"


@dataclass(frozen=True)
class Result:
    base: str | None
    head: str
    findings: tuple[Finding, ...]
    receipts_checked: int
    transitions: tuple[Transition, ...] = field(default=())
    checked: tuple[str, ...] = field(default=())  # the receipts' paths: one JUnit testcase each

    def count(self, severity: Severity) -> int:
        return sum(1 for finding in self.findings if finding.severity is severity)

    @property
    def failed(self) -> bool:
        return self.count(Severity.ERROR) > 0


class Options(NamedTuple):
    now: dt.datetime
    release: str | None = None
    only_paths: frozenset[str] = frozenset()  # FILE arguments: files or folders, repo-relative
    rules: RuleChoice = RuleChoice()  # .receipt-lint.yaml and --select/--ignore
    base_config: tuple[ConfigProblem, ...] = ()  # what is wrong with the base's .receipt-lint.yaml


def check_all(tree: Tree, options: Options) -> Result:
    """Every rule on every receipt of the tree (``check --all``)."""
    snapshot = Snapshot(tree)
    with fewer_collections():
        context = tree_context(snapshot, release_paths(tree), options)
        findings: list[Finding] = []
        for file in context.receipts:
            release = context.releases[file.release]
            findings.extend(run_receipt_rules(ReceiptContext.for_file(snapshot, file, release)))
            snapshot.forget_receipt(file.path)  # memory stays flat however many receipts
        findings.extend(run_tree_rules(context))  # after: it needs only the kep-numbers
    checked = tuple(
        f.path for f in context.receipts if not options.only_paths or _named(f.path, options.only_paths)
    )
    return Result(None, tree.label, finalize(findings, options), len(context.receipts), checked=checked)


def release_paths(tree: Tree) -> list[str]:
    """Every file under releases/, or releases itself when it is a file or a symlink (a finding)."""
    return tree.files_under(RELEASES) or ([RELEASES] if tree.exists(RELEASES) else [])


@contextlib.contextmanager
def fewer_collections(allocations: int = 100_000) -> Iterator[None]:
    """Run the cyclic garbage collector every ``allocations`` allocations, not every 700.

    A check makes about a million short-lived objects (YAML nodes, dicts,
    findings) that reference counting frees; none are cycles (a 20,000-receipt
    run leaves 0 unreachable objects).  With the default threshold a
    2,000-receipt ``check --all`` ran 144 collections, a full one included,
    for about 10% of its time; with this one, 4.  Cycles, should any appear,
    are still collected, in larger batches.
    """
    threshold = gc.get_threshold()
    gc.set_threshold(allocations, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def tree_context(
    snapshot: Snapshot,
    paths: Iterable[str],
    options: Options,
    changed: frozenset[str] | None = None,
) -> TreeContext:
    receipts: list[ReceiptFile] = []
    misplaced: list[Misplaced] = []
    folders: set[str] = set()
    for path in paths:
        release = release_folder(path)
        if options.release is not None and release != options.release:
            continue
        if release is not None and parse_release(release) is not None:
            folders.add(release)
        placed = classify(path)
        if isinstance(placed, ReceiptFile):
            receipts.append(placed)
        elif isinstance(placed, Misplaced):
            misplaced.append(placed)
    releases = {name: release_info(snapshot, name, options.now) for name in sorted(folders)}
    return TreeContext(snapshot, tuple(receipts), tuple(misplaced), tuple(sorted(folders)), releases, changed)


_TREE_RULES = tuple(rule for rule in ALL_RULES if rule.scope == "tree")
_RECEIPT_RULES = tuple(rule for rule in ALL_RULES if rule.scope == "receipt")
# Section 6 applies only to active receipts of open releases: for the others
# (most receipts of a real repository) the agreement rules are not even called.
_NOT_AGREEING_RULES = tuple(rule for rule in _RECEIPT_RULES if not rule.agreement)


def run_tree_rules(context: TreeContext) -> Iterable[Finding]:
    for rule in _TREE_RULES:
        for problem in rule.check(context):
            yield stamp(rule, problem, default_path="releases", accepted=False)


def run_receipt_rules(context: ReceiptContext) -> Iterable[Finding]:
    accepted = context.file.state == "accepted"
    return [
        stamp(rule, problem, context.file.path, accepted, receipt=context.file.path)
        for rule in (_RECEIPT_RULES if context.agrees else _NOT_AGREEING_RULES)
        for problem in rule.check(context)
    ]


def stamp(
    rule: Rule, problem: Problem, default_path: str, accepted: bool, receipt: str | None = None
) -> Finding:
    severity = problem.severity or rule.severity
    message = problem.message
    if accepted and rule.agreement and severity is Severity.ERROR:
        message += _MOVE_TO_AT_RISK
    position = problem.position
    return Finding(
        rule=rule.id,
        severity=severity,
        path=problem.path or default_path,
        message=message,
        line=position.line if position else None,
        column=position.column if position else None,
        receipts=(receipt,) if receipt else (),
    )


def finalize(findings: Iterable[Finding], options: Options) -> tuple[Finding, ...]:
    """Drop repeats (a KEP shared by receipts: one finding naming each), apply the FILE filter, sort."""
    unique: dict[tuple[object, ...], Finding] = {}
    for finding in options.rules.apply(findings):
        key = finding[:6]  # all but the receipts
        seen = unique.get(key)
        if seen is None:
            unique[key] = finding
        elif not set(finding.receipts) <= set(seen.receipts):
            unique[key] = seen._replace(receipts=tuple(dict.fromkeys(seen.receipts + finding.receipts)))
    # No "ready to accept" for a receipt with an error of its own, whichever rule found it
    # (a duplicate, an edited exception block: design doc section 6).
    errors = (f for f in unique.values() if f.severity is Severity.ERROR)
    failing = {where for f in errors for where in (f.path, *f.receipts)}
    kept = [
        f
        for f in unique.values()
        if (not options.only_paths or _named(f.path, options.only_paths))
        and not (f.rule == "ready-to-accept" and f.path in failing)
    ]
    return tuple(sorted(kept, key=Finding.sort_key))


def _named(path: str, names: frozenset[str]) -> bool:
    """Whether ``path`` is one of ``names`` or under one of them (a FILE may be a folder)."""
    return "" in names or any(path == name or path.startswith(f"{name}/") for name in names)
