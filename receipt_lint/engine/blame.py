"""Whose findings they are, and where they sit, for a receipt a change re-checks only because it
edited the receipt's KEP files (kep.yaml, PRR file, README): the base's own errors stay warnings
(design doc section 3), and each finding sits on the edited file at the line it is about (section 6)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from receipt_lint.engine.check import (
    run_receipt_rules,
)
from receipt_lint.model.findings import Finding, Position, Severity
from receipt_lint.model.layout import (
    ReceiptFile,
    kep_path_problem,
)
from receipt_lint.model.versions import ascii_number
from receipt_lint.rules.base import (
    ReceiptContext,
    ReleaseInfo,
)
from receipt_lint.trees.snapshot import Loaded, Snapshot

# Agreement findings about a value of kep.yaml or the PRR file: where that value sits.
_KEP_KEYS = {"stage-mismatch": ("stage",), "kep-status": ("status",)}



_MISMATCH_KEYS = {"kep-number": ("kep-number",), "owning-sig": ("owning-sig",), "title": ("title",)}



_ALREADY = " (already on the base: not this change's doing)"



def already_on_base(
    base: Snapshot, file: ReceiptFile, info: ReleaseInfo, found: Iterable[Finding]
) -> list[Finding]:
    """Errors the base already had for this receipt (same rule, file and message), as warnings.

    A change that edits a KEP's kep.yaml, PRR file or README but not its receipt
    is blamed only for what it introduces (design doc section 3): a README typo
    fix must not go red for a stage mismatch someone else left.
    """
    found = list(found)
    if not any(f.severity is Severity.ERROR for f in found) or not base.tree.exists(file.path):
        return found
    on_base = run_receipt_rules(ReceiptContext.for_file(base, file, info))
    before = {(f.rule, f.path, f.message) for f in on_base}
    return [
        f._replace(severity=Severity.WARNING, message=f.message + _ALREADY)
        if f.severity is Severity.ERROR and (f.rule, f.path, f.message) in before
        else f
        for f in found
    ]



def on_edited_files(
    head: Snapshot, file: ReceiptFile, findings: Iterable[Finding], changed: frozenset[str]
) -> Iterator[Finding]:
    """A receipt re-checked because the change edited its KEP's files: point at the edit.

    GitHub shows annotations inline only on the files of the pull request, so a
    finding about kep.yaml's stage sits on kep.yaml's `stage` line, and its
    message names the receipt (design doc section 6, "Where findings point").
    """
    receipt = head.receipt(file.path).model
    kep = head.kep(receipt.path) if receipt is not None and kep_path_problem(receipt.path) is None else None
    for finding in findings:
        target = _target(head, finding, kep, file.number) if kep is not None and receipt else None
        if target is None or target[0].path not in changed or target[0].document is None:
            yield finding
            continue
        loaded, key = target
        assert loaded.document is not None
        position = loaded.document.position(key) if key else Position(1, 1)
        message = f"{file.path}: {finding.message}"
        yield finding._replace(path=loaded.path, line=position.line, column=position.column, message=message)



def _target(
    head: Snapshot, finding: Finding, kep: Loaded[Any], number: int
) -> tuple[Loaded[Any], tuple[str, ...]] | None:
    """The KEP file and key a receipt's finding is about, if it is about one."""
    rule, message = finding.rule, finding.message
    stage = kep.model.stage if kep.model is not None and kep.model.stage else ""
    if rule in _KEP_KEYS:
        return kep, _KEP_KEYS[rule]
    if rule == "milestone-mismatch":
        return kep, ("latest-milestone",) if "latest-milestone" in message else ("milestone", stage)
    if rule == "kep-mismatch":
        key = next((k for prefix, k in _MISMATCH_KEYS.items() if message.startswith(prefix)), ())
        return kep, key
    if rule in ("prr-missing", "prr-approver") and kep.model is not None:
        owner = kep.model.owning_sig
        return head.prr(owner, ascii_number(kep.model.kep_number.strip()) or number), (stage,)
    return None
