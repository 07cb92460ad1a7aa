"""Transition rules (design doc sections 4 and 5): what a change does to receipts."""

from __future__ import annotations

from collections.abc import Iterator

from receipt_lint.findings import Severity
from receipt_lint.rules.base import Problem, TransitionContext, rule
from receipt_lint.transitions import is_legal, legal_targets, mover


@rule("illegal-transition", Severity.ERROR, "transition")
def illegal_transition(ctx: TransitionContext) -> Iterator[Problem]:
    """A move between states that the receipts process forbids.

    What it does: reconstructs each receipt's move from the change (pairing
    receipts by release and KEP number, not by git's rename detection) and
    checks it against the table: new -> proposed or exception; proposed ->
    accepted, at-risk, removed; accepted -> at-risk, removed; at-risk ->
    accepted, exception, removed; exception -> at-risk (granted), removed
    (denied); removed -> exception. A receipt that stays in place may change
    its PR lists, exception block and title; its `stage` only while it is
    `proposed` before and after.

    Why: the folder history is the audit trail of the release.

    How to fix: make the legal move (the workflow commands only make legal
    ones), e.g. `receipt-lint accept NUMBER --release vX.Y --at-risk`.
    """
    if ctx.crosses_releases or ctx.to_state is None:
        return
    if not is_legal(ctx.from_state, ctx.to_state):
        allowed = ", ".join(legal_targets(ctx.from_state)) or "nowhere"
        origin = ctx.from_state or "a new receipt"
        yield Problem(
            f"KEP {ctx.pairing.kep}: {origin} -> {ctx.to_state} is not a legal move "
            f"(from {origin} a receipt may move to: {allowed})",
            path=ctx.path,
        )
        return
    before, after = ctx.base_model(), ctx.head_model()
    stays_proposed = ctx.from_state == ctx.to_state == "proposed"
    if before and after and before.stage != after.stage and not stays_proposed:
        yield Problem(
            f"stage changed from {before.stage} to {after.stage}: only a receipt that is proposed "
            "before and after may change its stage (change it in its own pull request while "
            "proposed, or remove the KEP and opt in again next release)",
            ctx.head_at("stage"),
            path=ctx.path,
        )


@rule("receipt-deleted", Severity.ERROR, "transition")
def receipt_deleted(ctx: TransitionContext) -> Iterator[Problem]:
    """A receipt removed from a release.

    What it does: reports a receipt present in the base and gone in the head
    (and not moved to another release, which is `release-changed`).

    Why: receipts are the audit trail; a KEP leaves a release by moving to
    `removed/`, never by disappearing.

    How to fix: restore the file, and use `receipt-lint remove NUMBER
    --release vX.Y` instead.
    """
    if ctx.pairing.head is None and ctx.pairing.base is not None:
        yield Problem(
            f"KEP {ctx.pairing.kep}'s receipt was deleted from {ctx.pairing.base.release}: restore "
            f"it and move it to removed/ instead",
            path=ctx.pairing.base.path,
        )


@rule("release-changed", Severity.ERROR, "transition")
def release_changed(ctx: TransitionContext) -> Iterator[Problem]:
    """A receipt moved from one release to another.

    What it does: reports a KEP whose receipt leaves one release while a
    receipt for it appears in another, as one transition.

    Why: a release's receipts are its history; deferring is done by removing
    the KEP here and proposing it again in the next release.

    How to fix: put the receipt back, move it to `removed/` in its release,
    and create a new receipt in the next release (`receipt-lint promote`).
    """
    if ctx.crosses_releases and ctx.pairing.base and ctx.pairing.head:
        yield Problem(
            f"KEP {ctx.pairing.kep}'s receipt moved from {ctx.pairing.base.release} to "
            f"{ctx.pairing.head.release}: remove it in {ctx.pairing.base.release} and opt in "
            f"again in {ctx.pairing.head.release}",
            path=ctx.path,
        )


@rule("opt-in-after-freeze", Severity.ERROR, "transition")
def opt_in_after_freeze(ctx: TransitionContext) -> Iterator[Problem]:
    """A new `proposed` receipt after the opt-in deadline.

    What it does: with a `schedule.yaml`, a receipt created in `proposed/`
    after PRR freeze (when set, else enhancements freeze) is an error.

    Why: after the deadline late work enters through an exception request.

    How to fix: `receipt-lint exception request NUMBER --release vX.Y ...`
    creates the receipt in `exception/` with the request.
    """
    head = ctx.pairing.head
    if ctx.pairing.base is not None or head is None or head.state != "proposed":
        return
    release = ctx.releases[head.release]
    deadlines = release.deadlines
    if deadlines is None:
        return
    deadline = deadlines.prr_freeze or deadlines.enhancements_freeze
    if release.passed(deadline):
        yield Problem(
            f"the opt-in deadline of {head.release} has passed: request an exception instead "
            "(the receipt goes to exception/ with the exception block)",
            path=head.path,
        )


@rule("release-closed", Severity.ERROR, "transition")
def release_closed(ctx: TransitionContext) -> Iterator[Problem]:
    """A change to the receipts of a release that has shipped.

    What it does: with a `schedule.yaml` whose `release` date has passed,
    any created, moved, edited or deleted receipt of that release is an error.

    Why: a released release's receipts are its final record.

    How to fix: leave the old release alone; track the work in the next one.
    """
    for file in (ctx.pairing.base, ctx.pairing.head):
        if file is not None and file.release in ctx.releases and ctx.releases[file.release].closed:
            yield Problem(f"release {file.release} has shipped: its receipts are final", path=ctx.path)
            return


@rule("team-approval", Severity.WARNING, "transition")
def team_approval(ctx: TransitionContext) -> Iterator[Problem]:
    """A move reserved to the enhancements team, made by someone outside it.

    What it does: given the change's author (`--author`, or the pull request
    author from Prow's JOB_SPEC or GitHub's event), warns when a team move
    (accept, at-risk, remove, grant or deny an exception) is made by someone
    not in the release's `OWNERS`, and names who must approve.

    Why: KEP authors opt in and request exceptions; the team decides.

    How to fix: nothing to change in the files: ask one of the named
    approvers to approve the pull request.
    """
    head = ctx.pairing.head
    if ctx.author is None or head is None or ctx.from_state is None or ctx.crosses_releases:
        return
    if ctx.from_state == head.state or mover(ctx.from_state, head.state) != "team":
        return
    owners = ctx.head.release_owners(head.release)
    if ctx.author.lstrip("@").lower() not in owners:
        named = ", ".join(sorted(owners)) or f"(releases/{head.release}/OWNERS lists nobody)"
        yield Problem(
            f"{ctx.from_state} -> {head.state} is the enhancements team's move and "
            f"{ctx.author} is not in releases/{head.release}/OWNERS: needs approval from {named}",
            path=head.path,
        )
