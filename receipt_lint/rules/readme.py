"""KEP document readiness (design doc section 8): the README the enhancements team reads by hand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from receipt_lint.model.files import MissingFile, Tree, TreeError
from receipt_lint.model.findings import Position, Severity
from receipt_lint.rules.base import Problem, ReceiptContext, rule

if TYPE_CHECKING:
    from receipt_lint.model.readme import Gap


def _too_large(said: str) -> str:
    return f"it is too large to read ({said})" if said.startswith("file is ") else said


class Reading(NamedTuple):
    """What one README says for one stage: its gaps, or why it cannot be read."""

    path: str
    missing: bool = False
    unreadable: str | None = None
    gaps: tuple[Gap, ...] = ()


@rule("kep-readme", Severity.ERROR, "receipt", agreement=True)
def kep_readme(ctx: ReceiptContext) -> Iterator[Problem]:
    """The KEP's README.md is not ready for the receipt's stage.

    What it does: reads `keps/<path>/README.md` as the enhancements team does at
    enhancements freeze, and reports one finding per gap, at the section's
    heading (line 1 when the section is missing):
    - the sections Release Signoff Checklist, Test Plan, Graduation Criteria,
      Production Readiness Review Questionnaire and Implementation History;
      Test Plan and Graduation Criteria hold text;
    - the latest template's test-plan box is checked: `[x] I/we understand the
      owners of the involved components ...`;
    - the questionnaire sections the template requires for the stage, every
      `######` question answered: alpha, Feature Enablement and Rollback; beta and
      stable, also Rollout, Upgrade and Rollback Planning, Monitoring
      Requirements, Dependencies, Scalability and Troubleshooting.
    HTML comments and fenced code do not count; titles compare without case and
    without a trailing `(Optional)`. No README at all is one finding, on the
    receipt. An error for an accepted receipt, a warning otherwise.

    Why: the acceptance criteria are "implementable, graduation criteria, test
    plan, and production readiness review"; today someone reads ~100 READMEs by
    hand every cycle.

    How to fix: fill in the section named, from the KEP template
    (`keps/NNNN-kep-template/README.md`), answering each question.
    """
    receipt, kep = ctx.receipt, ctx.kep_model
    if receipt is None or kep is None:
        return
    path = f"keps/{receipt.path}/README.md"
    stage = receipt.stage
    found = ctx.snapshot.memo(
        ("kep-readme", f"{path}\0{stage}"), lambda: read_readme(ctx.snapshot.tree, path, stage)
    )
    severity = ctx.required()
    if found.missing:
        yield Problem(
            f"there is no {path}: the KEP document must exist", ctx.value_at("path"), severity=severity
        )
    elif found.unreadable is not None:
        yield Problem(f"cannot read {path}: {found.unreadable}", Position(1, 1), path=path, severity=severity)
    for gap in found.gaps:  # on the README; the message names the receipt it is about
        message = f"{gap.what} (for {ctx.file.path}, {stage})"
        said = Severity.WARNING if gap.warning else severity  # a title one word off: whatever the state
        yield Problem(message, Position(gap.line, 1), path=path, severity=said)


README_LIMIT = 4 << 20  # a KEP document is Markdown, larger than any YAML file: up to 4 MiB is read


def read_readme(tree: Tree, path: str, stage: str) -> Reading:
    """The README's gaps for ``stage``; read once per KEP and stage (the caller memoizes).

    Bytes that are not UTF-8 read as U+FFFD: the reading looks only at ASCII
    markers (design doc section 8), so one Latin-1 byte changes nothing.
    """
    try:
        raw = tree.read(path, README_LIMIT)
    except MissingFile:
        return Reading(path, missing=True)
    except TreeError as error:
        return Reading(path, unreadable=_too_large(str(error)))
    text = raw.decode("utf-8", errors="replace")
    from receipt_lint.model import readme  # its patterns compile only when a README is read

    return Reading(path, gaps=tuple(readme.gaps(readme.read(text), stage)))
