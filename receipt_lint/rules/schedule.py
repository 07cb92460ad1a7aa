"""Rules about the release calendar (design doc section 5)."""

from __future__ import annotations

from collections.abc import Iterator

from receipt_lint.model.findings import Severity
from receipt_lint.rules.base import AGREEMENT, Problem, ReceiptContext, TreeContext, rule


@rule("schedule-schema", Severity.ERROR, "tree")
def schedule_schema(ctx: TreeContext) -> Iterator[Problem]:
    """`schedule.yaml` does not parse or does not match its schema.

    What it does: validates `releases/<release>/schedule.yaml`: optional keys
    `prr-freeze`, `enhancements-freeze`, `docs-pr-deadline`, `code-freeze`,
    `docs-freeze` and `release`, each a date (`2026-04-22`, the end of that day
    in UTC) or a date-time (`2026-02-12T02:00:00Z`), in that order, none past the
    year 9998. Unknown keys are errors.

    Why: the schedule decides which deadlines have passed.

    How to fix: correct the file at the line shown.
    """
    for release in ctx.releases.values():
        loaded = release.schedule
        if loaded.syntax_error is not None:
            yield Problem(loaded.syntax_error.message, loaded.syntax_error.position, path=loaded.path)
        elif loaded.unreadable is not None and not loaded.missing:
            yield Problem(loaded.unreadable, path=loaded.path)
        for problem in loaded.schema_problems:
            yield Problem(problem.message, problem.position, path=loaded.path)


@rule("proposed-after-freeze", Severity.WARNING, "receipt")
def proposed_after_freeze(ctx: ReceiptContext) -> Iterator[Problem]:
    """A receipt still `proposed` after enhancements freeze.

    What it does: with a schedule whose `enhancements-freeze` has passed,
    warns about every receipt still in `proposed/`.

    Why: by enhancements freeze every opted-in KEP is either accepted, at risk
    or removed.

    How to fix: the enhancements team moves it: `receipt-lint accept NUMBER
    [--at-risk]` or `receipt-lint remove NUMBER`.
    """
    deadlines = ctx.release.deadlines
    if ctx.file.state != "proposed" or deadlines is None or ctx.release.closed:
        return
    if ctx.release.passed(deadlines.enhancements_freeze):
        yield Problem(
            f"enhancements freeze of {ctx.file.release} has passed and KEP {ctx.file.number} is "
            "still proposed: accept it, mark it at risk or remove it",
            ctx.top,
        )


@rule("missing-implementation-prs", Severity.WARNING, "receipt")
def missing_implementation_prs(ctx: ReceiptContext) -> Iterator[Problem]:
    """An `accepted` receipt with no `implementation-prs` after code freeze.

    What it does: with a schedule whose `code-freeze` has passed, warns about
    accepted receipts that list no implementation pull requests.

    Why: at code freeze the team checks that the code merged; the receipt is
    where it is recorded.

    How to fix: add the merged pull requests to `implementation-prs`.
    """
    deadlines, receipt = ctx.release.deadlines, ctx.receipt
    if ctx.file.state != "accepted" or deadlines is None or receipt is None or ctx.release.closed:
        return
    if ctx.release.passed(deadlines.code_freeze) and not receipt.implementation_prs:
        yield Problem(
            "code freeze has passed and implementation-prs is empty: list the KEP's pull requests",
            ctx.top,
        )


@rule("missing-docs-prs", Severity.WARNING, "receipt")
def missing_docs_prs(ctx: ReceiptContext) -> Iterator[Problem]:
    """An accepted, at-risk or exception receipt with no `docs-prs` after the docs PR deadline.

    What it does: with a schedule whose `docs-pr-deadline` has passed, warns
    about every `accepted`, `at-risk` or `exception` receipt that has no
    `docs-prs` key, or a `docs-prs:` with no value (the same: none listed yet;
    the schema says so too). `docs-prs: []` says the enhancement needs no docs.

    Why: by the docs PR deadline every tracked enhancement has opened its
    kubernetes/website pull request, or said it needs none.

    How to fix: list the pull requests, `docs-prs:
    [https://github.com/kubernetes/website/pull/123]`, or write `docs-prs: []`.
    """
    deadlines, receipt = ctx.release.deadlines, ctx.receipt
    if deadlines is None or receipt is None or ctx.release.closed:
        return
    if ctx.file.state not in ("accepted", "at-risk", "exception") or receipt.docs_prs is not None:
        return
    if ctx.release.passed(deadlines.docs_pr_deadline):
        document = ctx.loaded.document
        if document is not None and "docs-prs" in document.data:  # `docs-prs:` with no value
            yield Problem(
                "the docs PR deadline has passed and docs-prs has no value, which means none listed yet: "
                "list the kubernetes/website pull requests, or write docs-prs: [] when no docs are needed",
                ctx.value_at("docs-prs"),
            )
            return
        yield Problem(
            "the docs PR deadline has passed and the receipt has no docs-prs: list the kubernetes/website "
            "pull requests, or write docs-prs: [] when no docs are needed",
            ctx.top,
        )


@rule("at-risk-after-freeze", Severity.WARNING, "receipt")
def at_risk_after_freeze(ctx: ReceiptContext) -> Iterator[Problem]:
    """An at-risk receipt past a freeze it has not met, with no exception for it.

    What it does: with a schedule, after enhancements freeze warns about every
    `at-risk` receipt that fails a requirement of an accepted one (an error of
    the `accepted` column of section 6: status, PRR, the KEP document...) and
    holds no exception for enhancements freeze; after code freeze, about every
    `at-risk` receipt with no exception for code freeze. A granted exception
    covers its freeze until its own deadline (the freeze plus `additional-days`).

    Why: at risk is a state for before a freeze; past it, a KEP that has not
    made it is removed, or asks for more time.

    How to fix: the team removes it (`receipt-lint remove NUMBER --release
    vX.Y`), or its author requests an exception (`receipt-lint exception
    request NUMBER --release vX.Y --freeze ...`).
    """
    if ctx.file.state != "at-risk" or ctx.release.closed or ctx.release.deadlines is None:
        return
    exception = ctx.receipt.exception if ctx.receipt is not None else None
    release, number, name = ctx.release, ctx.file.number, ctx.file.release
    advice = f"remove it (receipt-lint remove {number} --release {name}), or request an exception"
    if release.passed(release.freeze("code")) and not release.covered(exception, "code"):
        said = f"code freeze of {name} has passed and KEP {number} is still at risk: {advice}"
        yield Problem(said, ctx.top)
    elif (
        release.passed(release.freeze("enhancements"))
        and not release.covered(exception, "enhancements")
        and _fails_accepted(ctx)
    ):
        yield Problem(
            f"enhancements freeze of {name} has passed and KEP {number}, at risk, does not meet the "
            f"requirements for accepted: {advice}",
            ctx.top,
        )


def _fails_accepted(ctx: ReceiptContext) -> bool:
    """Whether a requirement of the accepted column would be an error (section 6)."""
    if not ctx.agrees:
        return False
    strict = ctx.as_accepted()
    return any(
        (problem.severity or agreement.severity) is Severity.ERROR
        for agreement in AGREEMENT
        for problem in agreement.check(strict)
    )
