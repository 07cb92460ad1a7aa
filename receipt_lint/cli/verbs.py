"""The workflow verbs (the seed's kepctl): create-release, promote, accept, remove, exception."""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import re
import sys
from typing import TYPE_CHECKING, Any

from receipt_lint.cli.common import Parser, UsageError, find_repo, parse_now, parse_release_option, quoted

if TYPE_CHECKING:
    pass


def add_verbs(commands: argparse._SubParsersAction[Parser]) -> None:
    from receipt_lint.model.names import FREEZES

    def command(name: str, help_text: str, action: str, parent: Any = commands) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = parent.add_parser(name, help=help_text)
        parser.add_argument("--repo", help="the kubernetes/enhancements checkout")
        parser.add_argument("--now", help="the time for schedule rules (ISO 8601)")
        parser.set_defaults(run=run_workflow, action=action)
        return parser

    create = command("create-release", "create releases/vX.Y with OWNERS and schedule", "create")
    create.add_argument("release", help="the new release, vMAJOR.MINOR (v1.38)")
    create.add_argument("--owner", action="append", default=[], help="an enhancements team member")
    for deadline in (
        "prr-freeze",
        "enhancements-freeze",
        "docs-pr-deadline",
        "code-freeze",
        "docs-freeze",
        "release-date",
    ):
        create.add_argument(f"--{deadline}", metavar="T", help="a date or ISO 8601 time")
    create.add_argument(
        "--allow-past", action="store_true", help="accept dates in the past (back-filling history)"
    )
    promote = command("promote", "opt a KEP in: a proposed receipt from kep.yaml", "promote")
    promote.add_argument("kep", metavar="SIG/NUMBER-SLUG", help="the KEP's folder under keps/, or its number")
    promote.add_argument("--stage", required=True, help="alpha, beta, stable, deprecated, disabled, removed")
    promote.add_argument("--release", required=True, help="the release to opt in to, vMAJOR.MINOR")
    accept = command("accept", "move a receipt to accepted (or --at-risk)", "accept")
    accept.add_argument("--at-risk", action="store_true", help="move it to at-risk instead")
    remove = command("remove", "move a receipt to removed", "remove")
    exception = commands.add_parser("exception", help="request, grant or deny an exception")
    verbs = exception.add_subparsers(dest="verb", required=True, parser_class=Parser)
    request = command("request", "request an exception (writes the exception block)", "request", verbs)
    request.add_argument("--freeze", required=True, choices=FREEZES)
    request.add_argument("--additional-days", required=True, type=int)
    for text in ("--reason", "--risks-of-adding", "--risks-of-cutting"):
        request.add_argument(text, required=True)
    granted = command("accept", "grant: exception -> at-risk", "grant", verbs)
    denied = command("deny", "deny: exception -> removed", "deny", verbs)
    for parser in (accept, remove, request, granted, denied):
        parser.add_argument("number", type=int, metavar="NUMBER", help="the KEP's number")
        parser.add_argument("--release", required=True, help="the release, vMAJOR.MINOR")



def run_workflow(args: argparse.Namespace) -> int:
    from receipt_lint.workflow import verbs as workflow
    from receipt_lint.workflow.workspace import BadArgument, WorkflowError, Workspace

    root = find_repo(args.repo)
    ws = Workspace(root, parse_now(args.now))
    _check_workflow_values(args, ws.now)
    try:
        _dispatch(workflow, ws, args)
    except BadArgument as error:
        raise UsageError(str(error)) from None
    except WorkflowError as error:
        print(f"receipt-lint: {error} (nothing was changed)", file=sys.stderr)
        return 1
    return 0



def _check_workflow_values(args: argparse.Namespace, now: dt.datetime) -> None:
    """A value no verb can take is a usage error (exit 2, one line), before anything is looked at."""
    from receipt_lint.model.names import STAGES

    if args.action == "create":
        _check_new_release(args)
    else:
        parse_release_option(args.release)
    if args.action == "promote" and args.stage not in STAGES:
        raise UsageError(f"--stage {quoted(args.stage)}: use one of {', '.join(STAGES)}")
    if args.action == "request":
        if args.additional_days < 1:
            raise UsageError(f"--additional-days {args.additional_days}: ask for one day or more")
        if args.additional_days > MAX_ADDITIONAL_DAYS:  # a freeze's extension, not years (dates stay dates)
            raise UsageError(
                f"--additional-days {args.additional_days}: ask for at most {MAX_ADDITIONAL_DAYS} days"
            )
        for name in ("reason", "risks_of_adding", "risks_of_cutting"):
            if not getattr(args, name).strip():
                raise UsageError(f"--{name.replace('_', '-')} is empty: the release team decides on it")
    if args.action == "create":
        _check_schedule_dates(args, now)



MAX_ADDITIONAL_DAYS = 365
_LOGIN = re.compile(r"@?[A-Za-z0-9][A-Za-z0-9-]*")



def _check_new_release(args: argparse.Namespace) -> None:
    """create-release's positional release name and its owners: logins and alias names only."""
    from receipt_lint.model.versions import parse_release

    if parse_release(args.release) is None:
        raise UsageError(f"{quoted(args.release)} is not a release name: use vMAJOR.MINOR, e.g. v1.37")
    for owner in args.owner:
        if not _LOGIN.fullmatch(owner):
            raise UsageError(
                f"--owner {quoted(owner)}: give a GitHub login or an OWNERS_ALIASES name (letters, digits, -)"
            )



def _check_schedule_dates(args: argparse.Namespace, now: dt.datetime) -> None:
    """create-release dates: real, in the schedule's order, and not past (unless --allow-past)."""
    from receipt_lint.model.models import SCHEDULE_ORDER
    from receipt_lint.model.times import parse_time

    given = [
        (key, getattr(args, key.replace("-", "_") if key != "release" else "release_date"))
        for key in SCHEDULE_ORDER
    ]
    dates = []
    for key, text in given:
        if text is None:
            continue
        option = "--release-date" if key == "release" else f"--{key}"
        try:
            when = parse_time(text, bare_date="end")
        except ValueError as error:
            raise UsageError(f"{option}: {error}") from None
        if when <= now and not args.allow_past:
            raise UsageError(f"{option} {text} has passed: give a future date (or --allow-past to back-fill)")
        dates.append((option, when))
    for (earlier, first), (later, second) in itertools.pairwise(dates):
        if second < first:
            raise UsageError(f"{later} is before {earlier}: the dates go {', '.join(SCHEDULE_ORDER)}")



def _dispatch(workflow: Any, ws: Any, args: argparse.Namespace) -> None:
    say = print
    action = args.action
    if action == "create":
        dates = {
            "prr-freeze": args.prr_freeze,
            "enhancements-freeze": args.enhancements_freeze,
            "docs-pr-deadline": args.docs_pr_deadline,
            "code-freeze": args.code_freeze,
            "docs-freeze": args.docs_freeze,
            "release": args.release_date,
        }
        workflow.create_release(ws, args.release, args.owner, dates, say)
    elif action == "promote":
        workflow.promote(ws, args.kep, args.stage, args.release, say)
    elif action == "accept":
        workflow.accept(ws, args.number, args.release, args.at_risk, say)
    elif action == "remove":
        workflow.move(ws, args.number, args.release, "removed", say)
    elif action == "request":
        answers = workflow.ExceptionAnswers(
            args.freeze, args.additional_days, args.reason, args.risks_of_adding, args.risks_of_cutting
        )
        workflow.request_exception(ws, args.number, args.release, answers, say)
    else:
        workflow.decide_exception(ws, args.number, args.release, action == "grant", say)
