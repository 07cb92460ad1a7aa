"""Advice on kep.yaml values in odd forms, and the notice that a KEP is ready."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from receipt_lint.findings import Severity
from receipt_lint.loader import Document
from receipt_lint.models import STAGES, Kep
from receipt_lint.rules.base import Problem, ReceiptContext, rule
from receipt_lint.versions import NOT_TARGETING, parse_milestone

_DATES = ("creation-date", "last-updated")


@rule("kep-value", Severity.WARNING, "receipt")
def kep_value(ctx: ReceiptContext) -> Iterator[Problem]:
    """A kep.yaml value in an odd form.

    What it does: on the kep.yaml of an active receipt, warns about a
    milestone written without `v` (`1.37`), an empty or unreadable milestone
    (`stable: ""`, `"v1.21, v1.37"`), and a `creation-date` or `last-updated`
    that is not a `YYYY-MM-DD` date. Upstream's validator accepts all of these,
    so they are never schema errors.

    Why: tools and people compare milestones as versions and dates as dates;
    odd forms break that quietly.

    How to fix: write milestones as `"v1.37"` and dates as `2026-02-05`.
    """
    kep = ctx.kep_model  # None unless the receipt is active: then kep.yaml is not even read
    loaded = ctx.kep if kep is not None else None
    if kep is None or loaded is None or loaded.document is None:
        return
    document, path = loaded.document, loaded.path
    # About kep.yaml alone, so worked out once per KEP, not once per receipt.
    yield from ctx.snapshot.memo(("kep-value", path), lambda: tuple(_odd_values(path, kep, document)))


def _odd_values(path: str, kep: Kep, document: Document) -> Iterator[Problem]:
    milestones: dict[tuple[str, ...], str | None] = {("latest-milestone",): kep.latest_milestone}
    milestones |= {("milestone", stage): kep.milestone_for(stage) for stage in STAGES}
    for key, text in milestones.items():
        if key in document.values:
            yield from _milestone_value(path, document, key, text)
    for name, text in ((name, document.data.get(name)) for name in _DATES):
        if isinstance(text, str) and not _is_date(text):
            where = document.position((name,))
            yield Problem(f"{name} {text!r} is not a YYYY-MM-DD date", where, path=path)


def _milestone_value(
    path: str, document: Document, key: tuple[str, ...], text: str | None
) -> Iterator[Problem]:
    name, where = ".".join(key), document.position(key)
    milestone = parse_milestone(text)
    if (text or "").strip() == NOT_TARGETING:
        return
    if milestone is None:
        yield Problem(f'{name} {text!r} is not a milestone like "v1.37"', where, path=path)
    elif not milestone.has_v:
        yield Problem(f'{name} {text} lacks the v: write "{milestone.version}"', where, path=path)


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


@rule("ready-to-accept", Severity.NOTICE, "receipt")
def ready_to_accept(ctx: ReceiptContext) -> Iterator[Problem]:
    """An at-risk receipt now meets every requirement of an accepted one.

    What it does: runs the accepted-state checks on each at-risk receipt of an
    open release; when none of them would be an error, says so.

    Why: the enhancements team should not have to poll every at-risk KEP.

    How to fix: nothing is wrong: move it with `receipt-lint accept NUMBER
    --release vX.Y`.
    """
    if ctx.file.state != "at-risk" or not ctx.agrees or ctx.loaded.schema_problems:
        return
    from receipt_lint.rules import AGREEMENT_RULES

    strict = ctx.as_accepted()
    for agreement in AGREEMENT_RULES:
        for problem in agreement.check(strict):
            if (problem.severity or agreement.severity) is Severity.ERROR:
                return
    yield Problem(
        f"KEP {ctx.file.number} meets every requirement for accepted: move it with "
        f"`receipt-lint accept {ctx.file.number} --release {ctx.file.release}`",
        ctx.top,
    )
