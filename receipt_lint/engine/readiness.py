"""Whether a receipt meets every requirement of ``accepted`` (design doc section 6, its right column).

``accept`` refuses a receipt that does not; ``status`` calls the same list the KEP's
document gaps.  The repository's `.receipt-lint.yaml` holds here as in ``check``: a rule
it ignores (or does not select) is no requirement, and its severity overrides count.
"""

from __future__ import annotations

import datetime as dt

from receipt_lint.engine.config import RuleChoice
from receipt_lint.model.findings import Severity
from receipt_lint.model.layout import ReceiptFile
from receipt_lint.rules import AGREEMENT_RULES
from receipt_lint.rules.base import ReceiptContext, release_info
from receipt_lint.trees.snapshot import Snapshot


def accepted_gaps(snapshot: Snapshot, file: ReceiptFile, now: dt.datetime, choice: RuleChoice) -> list[str]:
    """The messages of the accepted-state requirements ``file`` fails; [] when it meets them all."""
    if snapshot.receipt(file.path).model is None:
        return [f"{file.path} is not a valid receipt: run receipt-lint check --all"]
    context = ReceiptContext(snapshot, file, release_info(snapshot, file.release, now), "accepted")
    return [
        problem.message
        for rule in AGREEMENT_RULES
        if rule.id not in choice.ignore and (choice.select is None or rule.id in choice.select)
        for problem in rule.check(context)
        if (choice.severity.get(rule.id) or problem.severity or rule.severity) is Severity.ERROR
    ]
