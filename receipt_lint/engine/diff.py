"""Diff mode: reconstruct what a change does to receipts, and judge it.

Receipts are paired by identity, (release, KEP number), on both sides; never
by git's rename similarity.  Only the receipts the change touches are parsed
(their identity comes from their ``kep-number``); an untouched receipt's
identity is its file name."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from receipt_lint.engine.blame import already_on_base, on_edited_files
from receipt_lint.engine.check import (
    Options,
    Result,
    Transition,
    _named,
    finalize,
    run_receipt_rules,
    run_tree_rules,
    stamp,
    tree_context,
)
from receipt_lint.engine.config import read_config_problems
from receipt_lint.model.files import Tree
from receipt_lint.model.findings import ConfigProblem, Finding, Severity
from receipt_lint.model.layout import (
    RELEASES,
    ReceiptFile,
    name_identity,
    receipt_files,
    release_folder,
)
from receipt_lint.model.names import CONFIG_FILE, STATES
from receipt_lint.model.versions import ascii_number, parse_release
from receipt_lint.rules import ALL_RULES, RULES_BY_ID
from receipt_lint.rules.base import (
    Pairing,
    ReceiptContext,
    Rule,
    TransitionContext,
    release_info,
)
from receipt_lint.rules.transitions import outsider_problem
from receipt_lint.trees.snapshot import Loaded, Snapshot

Identity = tuple[str, int]



_PER_FILE = frozenset({"receipt-location", "duplicate-receipt"})



_ILLEGAL = frozenset({"illegal-transition", "receipt-deleted", "release-changed"})



class Change(NamedTuple):
    base: Tree
    head: Tree
    changed: frozenset[str]  # paths under releases/ and keps/ that differ
    author: str | None = None



class Judged(NamedTuple):
    """One transition of a change, with the transition rules' findings about it."""

    pairing: Pairing
    transition: Transition
    findings: tuple[Finding, ...]



def check_change(change: Change, options: Options) -> Result:
    base, head = Snapshot(change.base), Snapshot(change.head)
    judged = judge_transitions(
        base, head, change.changed, options.now, author=change.author, release=options.release
    )
    pairings = [j.pairing for j in judged]
    touched_releases = _touched_releases(pairings, change.changed)
    releases = {name: release_info(base, name, options.now) for name in touched_releases}
    findings = [finding for j in judged for finding in j.findings]
    checked = _receipts_to_check((base, head), pairings, change.changed, options)
    findings.extend(_tree_findings(head, change.changed, touched_releases, options))
    findings.extend(_schedule_changes(base, head, change, options))
    findings.extend(_config_findings(head, change.changed, options))
    for file in checked:
        info = releases.get(file.release) or release_info(base, file.release, options.now)
        found = run_receipt_rules(ReceiptContext.for_file(head, file, info))
        if file.path in change.changed:
            findings.extend(found)
        else:  # re-checked only for its KEP's files: the base's own errors are not this change's
            found = already_on_base(base, file, info, found)
            findings.extend(on_edited_files(head, file, found, change.changed))
    transitions = tuple(j.transition for j in judged)
    paths = tuple(f.path for f in checked if not options.only_paths or _named(f.path, options.only_paths))
    findings_left = finalize(findings, options)
    return Result(change.base.label, change.head.label, findings_left, len(checked), transitions, paths)



def judge_transitions(
    base: Snapshot,
    head: Snapshot,
    changed: frozenset[str],
    now: dt.datetime,
    *,
    author: str | None = None,
    release: str | None = None,
) -> list[Judged]:
    """Pair the receipts a change touches and judge each move: ``check`` and ``history`` share this.

    The base's schedule judges the change (a change cannot move its own
    deadlines), at ``now``: the check's time, or a replayed commit's date.
    """
    pairings = pair_receipts(base, head, changed)
    releases = {name: release_info(base, name, now) for name in _touched_releases(pairings, changed)}
    if release is not None:
        pairings = [p for p in pairings if release in _releases_of(p)]
    judged = []
    for pairing in pairings:
        context = TransitionContext(pairing, base, head, releases, author)
        problems = tuple(_transition_findings(context))
        legal = not {f.rule for f in problems} & _ILLEGAL
        judged.append(Judged(pairing, _transition(context, legal=legal), problems))
    return judged



def _touched_releases(pairings: list[Pairing], changed: frozenset[str]) -> set[str]:
    touched = {f.release for p in pairings for f in (p.base, p.head) if f is not None}
    return touched | {r for r in map(release_folder, changed) if r is not None}



def _config_findings(head: Snapshot, changed: frozenset[str], options: Options) -> Iterator[Finding]:
    """The head's `.receipt-lint.yaml` when the change edits it; a warning for an invalid base's."""
    rule = RULES_BY_ID["config-schema"]
    for problem in options.base_config:
        said = f"the base's {CONFIG_FILE} is invalid, so no rule is switched off until it is mended: "
        warning = problem._replace(message=said + problem.text(), position=None)
        yield from (f._replace(severity=Severity.WARNING) for f in _stamped(rule, [warning]))
    if CONFIG_FILE in changed:
        _, problems = read_config_problems(head.tree, RULES_BY_ID)
        yield from _stamped(rule, problems)



def _stamped(rule: Rule, problems: Iterable[ConfigProblem]) -> Iterator[Finding]:
    return (stamp(rule, problem, CONFIG_FILE, accepted=False) for problem in rule.check(problems))



def _schedule_changes(base: Snapshot, head: Snapshot, change: Change, options: Options) -> Iterator[Finding]:
    """A change to a release's schedule.yaml is the enhancements team's move (design doc section 5)."""
    if change.author is None:
        return
    for path in sorted(change.changed):
        parts = path.split("/")
        if len(parts) != 3 or parts[0] != RELEASES or parts[2] != "schedule.yaml":
            continue
        if options.release is not None and parts[1] != options.release:
            continue
        problem = outsider_problem(base, head, parts[1], change.author, f"changing {path}")
        if problem is not None:
            yield stamp(RULES_BY_ID["team-approval"], problem, path, accepted=False)



def pair_receipts(base: Snapshot, head: Snapshot, changed: frozenset[str]) -> list[Pairing]:
    """Every identity the change touches, with its receipt before and after."""
    renumbered = _renumbered(base, head, changed)
    touched = _touched_identities((base, head), changed)
    before = _by_identity(base, changed, touched, renumbered)
    after = _by_identity(head, changed, touched, renumbered)
    pairings: list[Pairing] = []
    for release, number in sorted(touched):
        olds, news = before.get((release, number), []), after.get((release, number), [])
        pairings.extend(_pair_files(number, olds, news, changed))
    joined = _join_release_moves(pairings)
    return joined + [Pairing(_identity(base, file)[1], file, file) for file in renumbered.values()]



def _renumbered(base: Snapshot, head: Snapshot, changed: frozenset[str]) -> dict[str, ReceiptFile]:
    """Receipts whose file stays where it is while their kep-number changes: edits in place.

    Pairing them by identity would call the old number deleted and the new one
    created; the file never moved, and `filename-mismatch` says what is wrong.
    """
    return {
        file.path: file
        for file in receipt_files(sorted(changed))
        if base.tree.exists(file.path)
        and head.tree.exists(file.path)
        and _identity(base, file) != _identity(head, file)
    }



def _touched_identities(sides: tuple[Snapshot, ...], changed: frozenset[str]) -> set[Identity]:
    """(release, KEP) of every receipt the change adds, removes or edits, on either side."""
    touched: set[Identity] = set()
    for file in receipt_files(sorted(changed)):
        for snapshot in sides:
            if snapshot.tree.exists(file.path):
                touched.add(_identity(snapshot, file))
    return touched



def _by_identity(
    snapshot: Snapshot, changed: frozenset[str], touched: set[Identity], renumbered: dict[str, ReceiptFile]
) -> dict[Identity, list[ReceiptFile]]:
    """The receipts of ``touched`` identities; the others are not even classified.

    Only the touched releases are listed, and as an untouched receipt's
    identity is its file name, a cheap look at the name rules out the rest.
    """
    identities: dict[Identity, list[ReceiptFile]] = defaultdict(list)
    paths = release_files(snapshot.tree, {release for release, _ in touched})
    names = {f"/{number}.yaml" for _, number in touched}  # a cheap look before the exact one
    candidates = (
        p for p in paths if p in changed or (p[p.rfind("/") :] in names and name_identity(p) in touched)
    )
    for file in receipt_files(candidates):
        if file.path in renumbered:
            continue
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
    """One pairing per receipt of one identity that the change touches (design doc section 3).

    Same paths pair first (edited in place, or untouched and so not
    reported); the files left on each side then pair in state order, first
    with first (moves); what is left is deleted or created.  Deleting a copy
    while a receipt for the identity stays is the fix for a duplicate.
    """
    new_paths = {file.path for file in news}
    for old in olds:
        if old.path in new_paths and old.path in changed:
            yield Pairing(number, old, next(new for new in news if new.path == old.path))
    old_paths = {file.path for file in olds}
    gone = sorted((f for f in olds if f.path not in new_paths), key=_state_order)
    came = sorted((f for f in news if f.path not in old_paths), key=_state_order)
    for old, new in zip(gone, came, strict=False):  # the longer side's rest is handled below
        yield Pairing(number, old, new)
    for old in gone[len(came) :]:
        yield Pairing(number, old, None, remains=bool(news))
    for new in came[len(gone) :]:
        yield Pairing(number, None, new)



def _state_order(file: ReceiptFile) -> tuple[int, str]:
    return (STATES.index(file.state), file.path)



def _join_release_moves(pairings: list[Pairing]) -> list[Pairing]:
    """A deletion in one release plus a creation in another is one move (``release-changed``).

    Each deletion joins at most one creation, so one KEP deleted from two
    releases is still two deletions when nothing was created.
    """
    deletions: dict[int, list[Pairing]] = defaultdict(list)
    for pairing in pairings:
        if pairing.head is None and not pairing.remains:
            deletions[pairing.kep].append(pairing)
    joined: list[Pairing] = []
    for pairing in pairings:
        if pairing.head is None:
            continue
        origin = (
            _other_release_deletion(deletions[pairing.kep], pairing.head.release)
            if pairing.base is None
            else None
        )
        if origin is not None and origin.base is not None:
            deletions[pairing.kep].remove(origin)
            joined.append(Pairing(pairing.kep, origin.base, pairing.head))
        else:
            joined.append(pairing)
    left = {id(p) for kept in deletions.values() for p in kept}
    return joined + [p for p in pairings if p.head is None and (p.remains or id(p) in left)]



def _other_release_deletion(deletions: list[Pairing], release: str) -> Pairing | None:
    """The deletion a creation in ``release`` joins: the newest other release's (where the KEP came from)."""
    others = [p for p in deletions if p.base is not None and p.base.release != release]
    return max(others, key=lambda p: parse_release(p.base.release if p.base else "") or (0, 0), default=None)



def _transition_findings(context: TransitionContext) -> Iterator[Finding]:
    for rule in ALL_RULES:
        if rule.scope == "transition":
            for problem in rule.check(context):
                yield stamp(rule, problem, context.path, accepted=False)



def _transition(context: TransitionContext, *, legal: bool) -> Transition:
    pairing = context.pairing
    file = pairing.head or pairing.base
    assert file is not None
    origin = pairing.base.release if pairing.base is not None and context.crosses_releases else None
    transition = Transition(
        file.release, str(pairing.kep), context.from_state, context.to_state, file.path, legal
    )
    return transition._replace(from_release=origin)



def _receipts_to_check(
    sides: tuple[Snapshot, Snapshot], pairings: list[Pairing], changed: frozenset[str], options: Options
) -> list[ReceiptFile]:
    """Receipts the change creates, moves or edits, and those whose KEP files it edits."""
    head = sides[1]
    files = {p.head.path: p.head for p in pairings if p.head is not None}
    kep_numbers = set(_kep_numbers(sides, changed))
    if kep_numbers:
        for file in receipt_files(head.tree.files_under(RELEASES)):
            if file.number in kep_numbers:
                files.setdefault(file.path, file)
    return [
        file
        for _, file in sorted(files.items())
        if options.release is None or file.release == options.release
    ]



def _kep_numbers(sides: tuple[Snapshot, Snapshot], changed: Iterable[str]) -> Iterator[int]:
    """KEP numbers whose kep.yaml, README.md or PRR approval file the change touches.

    The number is the one written inside the file, before and after the
    change (design doc section 3): ``keps/sig-node/2043-…/kep.yaml`` says
    ``kep-number: 1884``.  The folder's or file's name counts only when
    neither side can say.
    """
    for path in changed:
        parts = path.split("/")
        if parts[0] != "keps" or len(parts) < 3:
            continue
        if parts[1] == "prod-readiness" and len(parts) == 4:
            named = ascii_number(parts[3].removesuffix(".yaml"))
            written = [_written_number(side.prr(parts[2], named)) for side in sides] if named else []
        elif parts[-1] in ("kep.yaml", "README.md"):  # a KEP's README edit re-checks it too (section 8)
            named = ascii_number(parts[-2].split("-")[0])
            written = [_written_number(side.kep("/".join(parts[1:-1]))) for side in sides]
        else:
            continue
        numbers = {number for number in written if number is not None}
        yield from numbers or ([named] if named else [])



def _written_number(loaded: Loaded[Any]) -> int | None:
    """The ``kep-number`` a KEP or PRR file says, even when the rest of it is invalid."""
    data = loaded.document.data if loaded.document is not None else {}
    value = data.get("kep-number")
    return ascii_number(value.strip()) if isinstance(value, str) else None



def _tree_findings(
    head: Snapshot, changed: frozenset[str], releases: set[str], options: Options
) -> Iterator[Finding]:
    """Layout rules on the releases the change touches, reported on what it changed."""
    listed = release_files(head.tree, releases)
    seen = set(listed)
    # Changed files no listing reaches: another release's, or a file or symlink named like a release folder.
    top = [RELEASES] if RELEASES in changed and head.tree.exists(RELEASES) else []  # not a folder
    elsewhere = top + sorted(
        p for p in changed if p.startswith(f"{RELEASES}/") and p not in seen and head.tree.exists(p)
    )
    paths = listed + elsewhere
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
