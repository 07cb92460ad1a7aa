"""Transition rules (design doc sections 4 and 5): what a change does to receipts."""

from __future__ import annotations

from collections.abc import Iterator

from receipt_lint.model.findings import Severity
from receipt_lint.model.transitions import is_legal, legal_targets, mover
from receipt_lint.rules.base import Problem, TransitionContext, rule
from receipt_lint.trees.snapshot import Snapshot, normalize_login


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
    (and not moved to another release, which is `release-changed`). Deleting
    one copy of a duplicate while a receipt for the KEP stays in the release is
    the fix `duplicate-receipt` asks for, not a deletion.

    Why: receipts are the audit trail; a KEP leaves a release by moving to
    `removed/`, never by disappearing.

    How to fix: restore the file, and use `receipt-lint remove NUMBER
    --release vX.Y` instead.
    """
    if ctx.pairing.head is None and ctx.pairing.base is not None and not ctx.pairing.remains:
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


@rule("exception-edited", Severity.ERROR, "transition")
def exception_edited(ctx: TransitionContext) -> Iterator[Problem]:
    """A decided exception block removed or edited in place, or a block written without a request.

    What it does: once a receipt has left `exception/` (granted to at-risk,
    denied to removed, and any move after), its `exception` block is the record
    of that decision. A change that removes or edits the block without moving
    the receipt into `exception/` again is an error, including the change that
    moves the receipt out of `exception/` (a grant or denial keeps the block as
    it was). While the receipt sits in `exception/` the request may be edited,
    and a new request (into `exception/` again) replaces the block. A block may
    be written only by a change after which the receipt sits in `exception/`: one
    that appears on a receipt outside it (created with one, or written at
    at-risk and "granted" in the same change) is an error too.

    Why: the exception block is the audit trail of what was asked and decided;
    the release team and SIG chairs read it after the cycle.

    How to fix: put the block back as it was. To ask again, make a new request:
    `receipt-lint exception request NUMBER --release vX.Y ...`.
    """
    base, head = ctx.pairing.base, ctx.pairing.head
    if head is None or ctx.crosses_releases or head.state == "exception":
        return
    before, after = ctx.base_model() if base is not None else None, ctx.head_model()
    if after is None or (base is not None and before is None):
        return  # an unreadable receipt: its schema findings speak for it
    old = before.exception if before is not None else None
    if after.exception == old:
        return
    if old is None:  # a block written without a move into exception/: no request was made
        yield Problem(
            f"KEP {ctx.pairing.kep} gained an exception block outside exception/: a request is a move into "
            f"exception/ (receipt-lint exception request {ctx.pairing.kep} --release {head.release} ...), "
            "decided by the team in a pull request of its own",
            ctx.head_at("exception"),
            path=ctx.path,
        )
        return
    what = "removed" if after.exception is None else "edited"
    yield Problem(
        f"KEP {ctx.pairing.kep}'s exception block records a decided request and was {what}: "
        "restore it as it was (a new request moves the receipt into exception/)",
        ctx.head_at("exception"),
        path=ctx.path,
    )


@rule("decided-after-freeze", Severity.WARNING, "transition")
def decided_after_freeze(ctx: TransitionContext) -> Iterator[Problem]:
    """A decision the freeze should have made, made after it.

    What it does: with a schedule, warns about a receipt moving from `proposed`
    to `accepted` or `at-risk` after enhancements freeze, and about a receipt
    moving into `accepted` from any state after code freeze; unless its
    exception block requests that freeze and the exception's own deadline (the
    freeze plus `additional-days`) has not passed: it came back through
    `exception/`. History lists it in a transition's `warnings`.

    Why: at enhancements freeze every opted-in KEP is accepted, at risk or
    removed; at code freeze the code has merged or the KEP is removed. A
    decision made later is a process breach someone should see.

    How to fix: if the KEP missed the freeze, remove it, or have its author
    request an exception; if the decision was made in time and merged late,
    nothing needs changing.
    """
    head = ctx.pairing.head
    if head is None or ctx.from_state == head.state or ctx.crosses_releases:
        return
    if head.release not in ctx.releases:
        return
    release, model = ctx.releases[head.release], ctx.head_model()
    exception = model.exception if model is not None else None
    if head.state == "accepted" and release.passed(release.freeze("code")):
        freeze = "code"
    elif ctx.from_state == "proposed" and head.state in ("accepted", "at-risk"):
        freeze = "enhancements"
    else:
        return
    if release.passed(release.freeze(freeze)) and not release.covered(exception, freeze):
        yield Problem(
            f"KEP {ctx.pairing.kep}: {ctx.from_state} -> {head.state} after {freeze} freeze of "
            f"{head.release}, with no exception for it: a KEP that missed the freeze is removed, or comes "
            "back through an exception request",
            path=head.path,
        )


@rule("exception-early", Severity.WARNING, "transition")
def exception_early(ctx: TransitionContext) -> Iterator[Problem]:
    """An exception requested for a freeze that has not passed yet.

    What it does: warns about a move into `exception/` (a receipt created there
    included) whose request names a freeze the release's schedule dates in the
    future. `receipt-lint exception request` refuses such a request. History
    lists it in a transition's `warnings`.

    Why: an exception is asked for a freeze the KEP missed; before the freeze,
    the work can still make it, and the team cannot judge the risk yet.

    How to fix: wait until the freeze has passed, or keep working to meet it;
    move the receipt back if it was moved early.
    """
    head = ctx.pairing.head
    if head is None or head.state != "exception" or ctx.from_state == "exception":
        return
    model, release = ctx.head_model(), ctx.releases.get(head.release)
    if model is None or model.exception is None or release is None:
        return
    moment = release.freeze(model.exception.freeze)
    if moment is not None and not release.passed(moment):
        yield Problem(
            f"KEP {ctx.pairing.kep} requests an exception for {model.exception.freeze} freeze of "
            f"{head.release}, which is on {release.said(moment)} and has not passed",
            ctx.head_at("exception"),
            path=head.path,
        )


@rule("team-approval", Severity.WARNING, "transition")
def team_approval(ctx: TransitionContext) -> Iterator[Problem]:
    """A move reserved to the enhancements team, made by someone outside it.

    What it does: given the change's author (`--author`, or the pull request
    author from Prow's JOB_SPEC or GitHub's event), warns when a team move
    (accept, at-risk, remove, grant or deny an exception) or a change to a
    release's `schedule.yaml` is made by someone who is not an approver in the
    release's `OWNERS` (aliases from `OWNERS_ALIASES` expanded; reviewers do
    not approve), and names who must approve. OWNERS is read as it was before
    the change, so a change cannot approve itself.

    Why: KEP authors opt in and request exceptions; the team decides, and the
    team sets the release's dates.

    How to fix: nothing to change in the files: ask one of the named
    approvers to approve the pull request.
    """
    head = ctx.pairing.head
    if ctx.author is None or head is None or ctx.from_state is None or ctx.crosses_releases:
        return
    if ctx.from_state == head.state or mover(ctx.from_state, head.state) != "team":
        return
    problem = outsider_problem(
        ctx.base, ctx.head, head.release, ctx.author, f"{ctx.from_state} -> {head.state}"
    )
    if problem is not None:
        yield problem._replace(path=head.path)


def outsider_problem(base: Snapshot, head: Snapshot, release: str, author: str, what: str) -> Problem | None:
    """A warning when ``author`` is not an approver of ``release``; None when they are.

    The base's OWNERS decides; a release the change creates has only the head's.
    """
    owners_file = f"releases/{release}/OWNERS"
    approvers = (base if base.tree.exists(owners_file) else head).release_approvers(release)
    if normalize_login(author) in approvers:
        return None
    named = ", ".join(sorted(approvers)) or f"({owners_file} lists no approvers)"
    return Problem(
        f"{what} is the enhancements team's move and {author} is not an approver in "
        f"{owners_file}: needs approval from {named}"
    )
