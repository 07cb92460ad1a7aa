"""Diff mode: reconstruct what a change does to receipts, and judge it.

Receipts are paired by identity, (release, KEP number), on both sides; never
by git's rename similarity.  Only the receipts the change touches are parsed
(their identity comes from their ``kep-number``); an untouched receipt's
identity is its file name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from receipt_lint.engine import (
    Options,
    Result,
    Transition,
    finalize,
    run_receipt_rules,
    run_tree_rules,
    stamp,
    tree_context,
)
from receipt_lint.findings import Finding
from receipt_lint.layout import RELEASES, ReceiptFile, name_identity, receipt_files, release_folder
from receipt_lint.rules import ALL_RULES
from receipt_lint.rules.base import Pairing, ReceiptContext, TransitionContext, release_info
from receipt_lint.snapshot import Snapshot
from receipt_lint.tree import Tree

Identity = tuple[str, int]
_PER_FILE = frozenset({"receipt-location", "duplicate-receipt"})
_ILLEGAL = frozenset({"illegal-transition", "receipt-deleted", "release-changed"})


class Change(NamedTuple):
    base: Tree
    head: Tree
    changed: frozenset[str]  # paths under releases/ and keps/ that differ
    author: str | None = None


def check_change(change: Change, options: Options) -> Result:
    base, head = Snapshot(change.base), Snapshot(change.head)
    pairings = pair_receipts(base, head, change.changed)
    touched_releases = {f.release for p in pairings for f in (p.base, p.head) if f is not None}
    touched_releases |= {r for r in map(release_folder, change.changed) if r is not None}
    if options.release is not None:
        pairings = [p for p in pairings if options.release in _releases_of(p)]
    releases = {name: release_info(head, name, options.now) for name in touched_releases}
    findings: list[Finding] = []
    transitions = []
    for pairing in pairings:
        context = TransitionContext(pairing, base, head, releases, change.author)
        problems = list(_transition_findings(context))
        findings.extend(problems)
        transitions.append(_transition(context, legal=not {f.rule for f in problems} & _ILLEGAL))
    checked = _receipts_to_check(head, pairings, change.changed, options)
    findings.extend(_tree_findings(head, change.changed, touched_releases, options))
    for file in checked:
        info = releases.get(file.release) or release_info(head, file.release, options.now)
        findings.extend(run_receipt_rules(ReceiptContext.for_file(head, file, info)))
    return Result(
        change.base.label, change.head.label, finalize(findings, options), len(checked), tuple(transitions)
    )


def pair_receipts(base: Snapshot, head: Snapshot, changed: frozenset[str]) -> list[Pairing]:
    """Every identity the change touches, with its receipt before and after."""
    touched = _touched_identities((base, head), changed)
    before = _by_identity(base, changed, touched)
    after = _by_identity(head, changed, touched)
    pairings: list[Pairing] = []
    for release, number in sorted(touched):
        olds, news = before.get((release, number), []), after.get((release, number), [])
        pairings.extend(_pair_files(number, olds, news, changed))
    return _join_release_moves(pairings)


def _touched_identities(sides: tuple[Snapshot, ...], changed: frozenset[str]) -> set[Identity]:
    """(release, KEP) of every receipt the change adds, removes or edits, on either side."""
    touched: set[Identity] = set()
    for file in receipt_files(sorted(changed)):
        for snapshot in sides:
            if snapshot.tree.exists(file.path):
                touched.add(_identity(snapshot, file))
    return touched


def _by_identity(
    snapshot: Snapshot, changed: frozenset[str], touched: set[Identity]
) -> dict[Identity, list[ReceiptFile]]:
    """The receipts of ``touched`` identities; the others are not even classified.

    Only the touched releases are listed, and as an untouched receipt's
    identity is its file name, a cheap look at the name rules out the rest.
    """
    identities: dict[Identity, list[ReceiptFile]] = defaultdict(list)
    paths = release_files(snapshot.tree, {release for release, _ in touched})
    for file in receipt_files(p for p in paths if p in changed or name_identity(p) in touched):
        changed_file = file.path in changed
        identities[_identity(snapshot, file) if changed_file else (file.release, file.number)].append(file)
    return identities


def _identity(snapshot: Snapshot, file: ReceiptFile) -> Identity:
    """A changed receipt is who its kep-number says (else its file name)."""
    model = snapshot.receipt(file.path).model
    return (file.release, model.kep_number if model is not None else file.number)


def _pair_files(
    number: int, olds: list[ReceiptFile], news: list[ReceiptFile], changed: frozenset[str]
) -> Iterator[Pairing]:
    """One pairing per receipt the change touches.

    The base receipt pairs with the head file at the same path (edited in
    place) or else with a changed head file (moved).  Any further changed head
    file of the same identity is a new receipt: a copy.
    """
    old = olds[0] if olds else None
    same_path = [f for f in news if old is not None and f.path == old.path]
    moved = [f for f in news if f.path in changed]
    candidates = same_path or moved
    partner = candidates[0] if old is not None and candidates else None
    if old is not None and (partner is None or old.path in changed or partner.path in changed):
        yield Pairing(number, old, partner)
    for extra in news:
        if extra is not partner and extra.path in changed:
            yield Pairing(number, None, extra)


def _join_release_moves(pairings: list[Pairing]) -> list[Pairing]:
    """A deletion in one release plus a creation in another is one move."""
    deleted = {p.kep: p for p in pairings if p.head is None}
    joined: list[Pairing] = []
    for pairing in pairings:
        origin = deleted.get(pairing.kep) if pairing.base is None else None
        if origin is not None and pairing.head is not None and origin.base is not None:
            joined.append(Pairing(pairing.kep, origin.base, pairing.head))
            del deleted[pairing.kep]
        elif pairing.head is not None:
            joined.append(pairing)
    return joined + list(deleted.values())


def _transition_findings(context: TransitionContext) -> Iterator[Finding]:
    for rule in ALL_RULES:
        if rule.scope == "transition":
            for problem in rule.check(context):
                yield stamp(rule, problem, context.path, accepted=False)


def _transition(context: TransitionContext, *, legal: bool) -> Transition:
    pairing = context.pairing
    file = pairing.head or pairing.base
    assert file is not None
    return Transition(file.release, str(pairing.kep), context.from_state, context.to_state, file.path, legal)


def _receipts_to_check(
    head: Snapshot, pairings: list[Pairing], changed: frozenset[str], options: Options
) -> list[ReceiptFile]:
    """Receipts the change creates, moves or edits, and those whose KEP files it edits."""
    files = {p.head.path: p.head for p in pairings if p.head is not None}
    kep_numbers = set(_kep_numbers(changed))
    if kep_numbers:
        for file in receipt_files(head.tree.files_under(RELEASES)):
            if file.number in kep_numbers:
                files.setdefault(file.path, file)
    return [
        file
        for _, file in sorted(files.items())
        if options.release is None or file.release == options.release
    ]


def _kep_numbers(changed: Iterable[str]) -> Iterator[int]:
    """KEP numbers whose kep.yaml or PRR approval file the change touches."""
    for path in changed:
        parts = path.split("/")
        if parts[0] != "keps" or len(parts) < 3:
            continue
        if parts[1] == "prod-readiness" and parts[-1].removesuffix(".yaml").isdigit():
            yield int(parts[-1].removesuffix(".yaml"))
        elif parts[-1] == "kep.yaml" and parts[-2].split("-")[0].isdigit():
            yield int(parts[-2].split("-")[0])


def _tree_findings(
    head: Snapshot, changed: frozenset[str], releases: set[str], options: Options
) -> Iterator[Finding]:
    """Layout rules on the releases the change touches, reported on what it changed."""
    elsewhere = [p for p in changed if p.startswith(f"{RELEASES}/") and p.split("/")[1] not in releases]
    paths = release_files(head.tree, releases) + sorted(p for p in elsewhere if head.tree.exists(p))
    context = tree_context(head, paths, options, changed)
    for finding in run_tree_rules(context):
        if finding.rule in _PER_FILE and finding.path not in changed:
            continue  # a misplaced or duplicate file the change did not touch
        yield finding


def release_files(tree: Tree, releases: Iterable[str]) -> list[str]:
    """The files of some release folders: a PR check lists those it touches, not all."""
    return sorted(path for release in releases for path in tree.files_under(f"{RELEASES}/{release}"))


def _releases_of(pairing: Pairing) -> set[str]:
    return {f.release for f in (pairing.base, pairing.head) if f is not None}
