"""Agreement rules (design doc section 6): the receipt against kep.yaml and PRR.

They run on receipts in an active state of an open release.  Severities follow
the section-6 table through ``ctx.required()``: an accepted receipt must meet
every requirement, the other active states are warned.
"""

from __future__ import annotations

from collections.abc import Iterator

from receipt_lint.model import models
from receipt_lint.model.findings import Severity, quoted
from receipt_lint.model.versions import NOT_TARGETING, Version, ascii_number, parse_milestone
from receipt_lint.rules.base import Problem, ReceiptContext, rule, slipped_in
from receipt_lint.trees.snapshot import Loaded, normalize_login

IMPLEMENTABLE = frozenset({"implementable", "implemented"})
PRR_SINCE = Version(1, 21)


@rule("kep-not-found", Severity.ERROR, "receipt", agreement=True)
def kep_not_found(ctx: ReceiptContext) -> Iterator[Problem]:
    """`path` does not lead to a kep.yaml inside `keps/`.

    What it does: resolves `keps/<path>/kep.yaml`. The path is relative to
    `keps/` (`sig-node/1287-in-place-update-pod-resources`); it may be deeper
    than two folders, but it may not leave `keps/` (no `..`, no symlink out).

    Why: every other agreement check reads that kep.yaml.

    How to fix: set `path` to the KEP's folder relative to `keps/`.
    """
    receipt = ctx.receipt
    if receipt is None or not ctx.agrees:
        return
    if ctx.kep is None:
        return  # a path that is not canonical is a receipt-schema error
    if ctx.kep.missing:
        yield Problem(
            f"there is no {ctx.kep.path}: set path to the KEP folder relative to keps/",
            ctx.value_at("path"),
        )
    elif ctx.kep.unreadable:
        yield Problem(f"cannot read {ctx.kep.path}: {ctx.kep.unreadable}", ctx.value_at("path"))


@rule("kep-metadata", Severity.ERROR, "receipt", agreement=True)
def kep_metadata(ctx: ReceiptContext) -> Iterator[Problem]:
    """The KEP's kep.yaml does not parse or does not match its schema.

    What it does: loads the kep.yaml the receipt points to with the same safe
    loader, and validates it against `schemas/kep.schema.json`, which mirrors
    what upstream's own validator accepts (unknown keys are errors; `title`,
    `kep-number`, `authors`, `owning-sig`, `approvers` and `status` are
    required). Odd values are `kep-value` warnings, never schema errors.

    Why: a receipt can only agree with metadata that can be read.

    How to fix: correct kep.yaml at the line shown.
    """
    kep = ctx.kep if ctx.agrees else None
    if kep is None:
        return
    if kep.syntax_error is not None:
        yield Problem(kep.syntax_error.message, kep.syntax_error.position, path=kep.path)
    for problem in kep.schema_problems:
        yield Problem(problem.message, problem.position, path=kep.path)


@rule("kep-mismatch", Severity.ERROR, "receipt", agreement=True)
def kep_mismatch(ctx: ReceiptContext) -> Iterator[Problem]:
    """`kep-number`, `owning-sig` or `title` disagree with kep.yaml.

    What it does: compares the receipt's copies of these fields with the
    KEP's. A different number or owning SIG is an error; a different title is a
    warning.

    Why: the receipt is a copy of the KEP's identity; a wrong copy tracks the
    wrong KEP.

    How to fix: copy the values from kep.yaml (`receipt-lint promote` writes
    them for you).
    """
    receipt, kep = ctx.receipt, ctx.kep_model
    if receipt is None or kep is None:
        return
    if ascii_number(kep.kep_number.strip()) != receipt.kep_number:
        yield Problem(
            f"kep-number is {receipt.kep_number} but {_kep_file(ctx)} says {kep.kep_number}",
            ctx.value_at("kep-number"),
        )
    if kep.owning_sig != receipt.owning_sig:
        yield Problem(
            f"owning-sig is {receipt.owning_sig} but {_kep_file(ctx)} says {kep.owning_sig}",
            ctx.value_at("owning-sig"),
        )
    if kep.title.strip() != receipt.title.strip():
        yield Problem(
            f"title differs from {_kep_file(ctx)}: copy its title ({quoted(kep.title)})",
            ctx.value_at("title"),
            severity=Severity.WARNING,
        )


@rule("stage-mismatch", Severity.ERROR, "receipt", agreement=True)
def stage_mismatch(ctx: ReceiptContext) -> Iterator[Problem]:
    """The receipt's `stage` differs from kep.yaml's `stage`.

    What it does: compares the two stages.

    Why: the stage is what the release tracks (alpha, beta, stable...); the
    KEP's metadata is the source of truth.

    How to fix: update kep.yaml's `stage` (and `milestone.<stage>`). A receipt
    may change its own stage only while it is `proposed` before and after; an
    accepted, at-risk or exception receipt keeps its stage, so to track another
    stage move it to `removed` and propose the KEP again.
    """
    receipt, kep = ctx.receipt, ctx.kep_model
    if receipt is None or kep is None or kep.stage == receipt.stage:
        return
    said = f"says {kep.stage}" if kep.stage else "has no stage"
    if ctx.file.state == "proposed":
        advice = f"set stage: {receipt.stage} in kep.yaml, or fix the receipt's stage"
    else:  # only a proposed receipt may change its stage (design doc section 4)
        advice = (
            f"set stage: {receipt.stage} in kep.yaml; {_article(ctx.file.state)} {ctx.file.state} receipt "
            "keeps its stage, so for "
            "another stage move it to removed and propose the KEP again"
        )
    yield Problem(f"stage is {receipt.stage} but {_kep_file(ctx)} {said}: {advice}", ctx.value_at("stage"))


@rule("milestone-mismatch", Severity.ERROR, "receipt", agreement=True)
def milestone_mismatch(ctx: ReceiptContext) -> Iterator[Problem]:
    """kep.yaml's `latest-milestone` or `milestone.<stage>` disagree with the release.

    What it does: `latest-milestone` must be the receipt's release (an error
    otherwise). `milestone.<stage>` must be set and not later than the release
    (a warning otherwise; earlier is fine: a KEP can stay beta and be tracked
    for a major change), unless it names a release where the KEP's receipt ended
    `removed`: it slipped there and never reached the stage, so the milestone is
    stale (a warning). `v1.37` and `1.37` compare equal.

    Why: kep.yaml tells everyone which release a KEP targets; the receipt says
    the same thing, and the two must agree.

    How to fix: in kep.yaml set `latest-milestone: "vX.Y"` and
    `milestone.<stage>: "vX.Y"` for the release of the receipt.
    """
    receipt, kep = ctx.receipt, ctx.kep_model
    if receipt is None or kep is None:
        return
    release = ctx.release.version
    latest = parse_milestone(kep.latest_milestone)
    if latest is None or latest.version != release:
        said = _latest_said(ctx, kep.latest_milestone)
        yield Problem(
            f'{said} but the receipt is in {release}: set latest-milestone: "{release}"', ctx.value_at("path")
        )
    yield from _stage_milestone(ctx, receipt, kep, release)


def _latest_said(ctx: ReceiptContext, text: str | None) -> str:
    """What kep.yaml says of latest-milestone, in words (never Python's None)."""
    text = (text or "").strip()
    if not text:
        return f"{_kep_file(ctx)} has no latest-milestone"
    if text == NOT_TARGETING:
        return f'{_kep_file(ctx)} latest-milestone is "0.0" (not targeting a release)'
    milestone = parse_milestone(text)
    if milestone is None:
        return f'{_kep_file(ctx)} latest-milestone {quoted(text)} is not a milestone like "v1.37"'
    return f"{_kep_file(ctx)} latest-milestone is {text}"


def _stage_milestone(
    ctx: ReceiptContext, receipt: models.Receipt, kep: models.Kep, release: Version
) -> Iterator[Problem]:
    text = kep.milestone_for(receipt.stage)
    reached = parse_milestone(text)
    key = f"milestone.{receipt.stage}"
    if reached is None:
        if text is None:
            said = f"has no {key}"
        elif not text.strip():
            said = f"{key} is empty"
        else:
            said = f"{key} {quoted(text)} is not a milestone"
        yield Problem(
            f'{_kep_file(ctx)} {said}: set it to "{release}"',
            ctx.value_at("stage"),
            severity=Severity.WARNING,
        )
    elif reached.version > release:
        yield Problem(
            f"{_kep_file(ctx)} {key} is {text}, later than {release}",
            ctx.value_at("stage"),
            severity=Severity.WARNING,
        )
    elif reached.version < release and ctx.file.number in slipped_in(ctx.snapshot, reached.version):
        yield Problem(
            f"{_kep_file(ctx)} {key} is {text}, but KEP {ctx.file.number}'s receipt there ended removed: it "
            f'never reached {receipt.stage} in {reached.version}; set it to "{release}"',
            ctx.value_at("stage"),
            severity=Severity.WARNING,
        )


@rule("kep-status", Severity.ERROR, "receipt", agreement=True)
def kep_status(ctx: ReceiptContext) -> Iterator[Problem]:
    """The KEP is not `implementable` (or `implemented`).

    What it does: reads kep.yaml's `status`. An accepted receipt needs an
    implementable KEP (an error); other active receipts get a warning.

    Why: only an implementable KEP may be worked on in a release.

    How to fix: get the KEP approved by its SIG and set `status: implementable`.
    """
    kep = ctx.kep_model
    if kep is not None and kep.status.strip() not in IMPLEMENTABLE:
        yield Problem(
            f"{_kep_file(ctx)} status is {quoted(kep.status)}: the KEP must be implementable",
            ctx.value_at("path"),
            severity=ctx.required(),
        )


@rule("prr-missing", Severity.ERROR, "receipt", agreement=True)
def prr_missing(ctx: ReceiptContext) -> Iterator[Problem]:
    """No production readiness review (PRR) approval for the receipt's stage.

    What it does: reads `keps/prod-readiness/<owning-sig>/<number>.yaml` and
    looks for `<stage>: {approver: ...}`. PRR is required, as upstream, when
    the KEP is implementable or implemented and the release is v1.21 or later;
    `latest-milestone: "0.0"` (upstream's "not targeting a release") exempts it.
    An error for an accepted receipt, a warning otherwise.

    Why: no KEP enters a release without a PRR approval for its stage.

    How to fix: ask a PRR approver to review; they add the approval file, e.g.

        kep-number: 2140
        alpha:
          approver: "@johnbelamaric"
    """
    receipt, kep = ctx.receipt, ctx.kep_model
    if receipt is None or kep is None or not _needs_prr(ctx, kep):
        return
    prr = ctx.prr
    if prr is None:
        return
    if prr.model is None:
        why = "there is no" if prr.missing else "cannot use"
        detail = "" if prr.missing else f" ({_first_problem(prr)})"
        message = f"{why} PRR approval file {prr.path}{detail}: ask a PRR approver for review"
    elif prr.model.approver_for(receipt.stage) is None:
        message = f"{prr.path} has no {receipt.stage} approver: ask a PRR approver for review"
    else:
        return
    yield Problem(message, ctx.value_at("stage"), severity=ctx.required())


@rule("prr-approver", Severity.ERROR, "receipt", agreement=True)
def prr_approver(ctx: ReceiptContext) -> Iterator[Problem]:
    """The PRR approver is not in the `prod-readiness-approvers` alias.

    What it does: checks the approver named for the stage against
    `prod-readiness-approvers` and `prod-readiness-approvers-emeritus` in
    `OWNERS_ALIASES` (a leading `@` and letter case are ignored).

    Why: only PRR approvers may approve production readiness.

    How to fix: have a PRR approver review and sign the approval file.
    """
    receipt, kep = ctx.receipt, ctx.kep_model
    if receipt is None or kep is None or not _needs_prr(ctx, kep):
        return
    prr = ctx.prr
    if prr is None or prr.model is None:
        return
    approver = prr.model.approver_for(receipt.stage)
    if approver is not None and normalize_login(approver) not in ctx.snapshot.prr_approvers:
        yield Problem(
            f"{prr.path}: {approver} is not in prod-readiness-approvers (OWNERS_ALIASES)",
            ctx.value_at("stage"),
            severity=ctx.required(),
        )


@rule("prr-mismatch", Severity.WARNING, "receipt", agreement=True)
def prr_mismatch(ctx: ReceiptContext) -> Iterator[Problem]:
    """The PRR file's own `kep-number` differs from the KEP's.

    What it does: compares `kep-number` inside the PRR approval file with the
    number of the KEP it is filed for.

    Why: a copied approval file with the wrong number is a sign the approval
    was meant for another KEP.

    How to fix: correct `kep-number` in the PRR file.
    """
    receipt, kep = ctx.receipt, ctx.kep_model
    if receipt is None or kep is None:
        return
    prr = ctx.prr
    if prr is None or prr.model is None or prr.document is None or prr.model.kep_number is None:
        return
    number = kep.kep_number.strip().lstrip("0")
    if prr.model.kep_number.strip().lstrip("0") != number:
        yield Problem(
            f"kep-number is {prr.model.kep_number} but this file approves KEP "
            f"{number}: set kep-number: {number}",
            prr.document.position(("kep-number",)),
            path=prr.path,
        )


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _needs_prr(ctx: ReceiptContext, kep: models.Kep) -> bool:
    """As upstream: implementable or implemented, v1.21 on, and targeting a release at all."""
    not_targeting = (kep.latest_milestone or "").strip() == NOT_TARGETING
    return kep.status.strip() in IMPLEMENTABLE and ctx.release.version >= PRR_SINCE and not not_targeting


def _first_problem(loaded: Loaded[models.PrrApproval]) -> str:
    if loaded.syntax_error is not None:
        return loaded.syntax_error.message
    if loaded.schema_problems:
        return loaded.schema_problems[0].message
    return loaded.unreadable or "unreadable"


def _kep_file(ctx: ReceiptContext) -> str:
    return ctx.kep.path if ctx.kep else "kep.yaml"
