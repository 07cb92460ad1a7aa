"""The GitHub commands: ``status`` (where each KEP's pull requests stand, and what to do) and
``board`` (the release's GitHub Project kept true from the receipts).

Only these import ``receipt_lint.github`` (and through it httpx): ``check`` starts as fast as before.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from receipt_lint.cli.common import (
    Parser,
    UsageError,
    find_repo,
    parse_now,
    parse_release_option,
    quoted,
    write_text,
)

if TYPE_CHECKING:
    import datetime as dt

    from receipt_lint.github.facts import Facts
    from receipt_lint.github.status import Status
    from receipt_lint.model.files import Tree
    from receipt_lint.trees.worktree import WorkTree

_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+")
MAX_WARN_DAYS = 120


def add_github(commands: argparse._SubParsersAction[Parser]) -> None:
    status = commands.add_parser(
        "status", help="where each KEP's pull requests stand on GitHub, and the moves that calls for"
    )
    status.add_argument("--release", required=True)
    source = status.add_mutually_exclusive_group()
    source.add_argument("--from", dest="source", metavar="SNAPSHOT", help="read a saved snapshot, not GitHub")
    source.add_argument("--save", metavar="SNAPSHOT", help="also save what was read, for --from and manifest")
    status.add_argument("--now", help="the time the verdicts are judged at (ISO 8601; default: now)")
    status.add_argument("--warn-days", type=int, default=7, metavar="N", help="forecast at risk N days ahead")
    status.add_argument("--issues-repo", default="kubernetes/enhancements", metavar="OWNER/REPO")
    status.add_argument(
        "--max-wait", type=float, default=60.0, metavar="SECONDS", help="longest rate-limit wait"
    )
    moves = status.add_mutually_exclusive_group()
    moves.add_argument("--suggest", action="store_true", help="print the moves as commands (a shell script)")
    moves.add_argument("--apply", action="store_true", help="make the moves in the working tree (no commit)")
    status.add_argument("--format", choices=("text", "markdown", "json", "html"), default="text")
    status.add_argument("--output", metavar="FILE", help="write the report to FILE")
    status.add_argument("--repo", help="the kubernetes/enhancements checkout")
    status.set_defaults(run=run_status)
    board = commands.add_parser("board", help="make the release's GitHub Project agree with the receipts")
    board.add_argument("--release", required=True)
    board.add_argument("--project", required=True, metavar="OWNER/NUMBER", help="e.g. kubernetes/264")
    board.add_argument(
        "--labels", action="store_true", help="the issues' tracked/, stage/ labels and milestone too"
    )
    board.add_argument("--apply", action="store_true", help="write the plan, then read the board again")
    board.add_argument("--now", help="the time that decides the next freeze (ISO 8601; default: now)")
    board.add_argument("--issues-repo", default="kubernetes/enhancements", metavar="OWNER/REPO")
    board.add_argument(
        "--max-wait", type=float, default=60.0, metavar="SECONDS", help="longest rate-limit wait"
    )
    board.add_argument("--format", choices=("text", "json"), default="text")
    board.add_argument("--output", metavar="FILE", help="write the plan to FILE")
    board.add_argument("--repo", help="the kubernetes/enhancements checkout")
    board.set_defaults(run=run_board, warn_days=0, suggest=False)


def run_status(args: argparse.Namespace) -> int:
    from receipt_lint.github import pages
    from receipt_lint.reporters import defused

    root, release, now, tree = _release(args)
    facts = _facts(args, tree, release, now)
    status = _judge(tree, release, facts, now, args.warn_days)
    if args.apply:
        return _apply(root, status, args)
    text = pages.render_suggest(status) if args.suggest else pages.render(status, args.format)
    write_text(defused(text, "text" if args.suggest else args.format), args.output)
    return 1 if status.overdue else 0


_PROJECT = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/[1-9][0-9]{0,8}")
_PROJECT_URL = re.compile(
    r"https://github\.com/(?:orgs|users)/([A-Za-z0-9][A-Za-z0-9-]*)/projects/([1-9][0-9]{0,8})(?:/.*)?"
)


def run_board(args: argparse.Namespace) -> int:
    from receipt_lint.github import board_sync
    from receipt_lint.github.board import BoardError, wanted
    from receipt_lint.github.client import Client, GitHubError, find_endpoint, find_token

    browser = _PROJECT_URL.fullmatch(args.project)  # the address a lead copies from the browser
    if browser:
        args.project = f"{browser[1]}/{browser[2]}"
    if not _PROJECT.fullmatch(args.project):
        raise UsageError(f"--project {quoted(args.project)}: give OWNER/NUMBER, e.g. kubernetes/264")
    _, release, now, tree = _release(args)
    try:
        receipts = wanted(tree, release, now)
        with Client(find_endpoint(), find_token(), max_wait=args.max_wait) as client:
            outcome = board_sync.sync(
                client,
                args.project,
                release,
                args.issues_repo,
                receipts,
                labels=args.labels,
                apply=args.apply,
            )
    except (GitHubError, BoardError) as error:
        raise UsageError(str(error)) from None
    from receipt_lint.reporters import defused

    write_text(defused(board_sync.render(outcome, args.format), args.format), args.output)
    if outcome.plan.cannot:  # the plan is shown; the project or repository cannot take it
        raise UsageError("; ".join(outcome.plan.cannot) + ": nothing was written")
    return 0 if outcome.plan.agrees else 1


def _release(args: argparse.Namespace) -> tuple[Path, str, dt.datetime, WorkTree]:
    """The checkout, the release (which must have a folder), the time, and the working tree."""
    from receipt_lint.trees.worktree import WorkTree

    root = find_repo(args.repo)
    release = parse_release_option(args.release)
    assert release is not None
    now = parse_now(args.now)
    _check_values(args)
    tree = WorkTree(root)
    if not tree.files_under(f"releases/{release}"):
        raise UsageError(f"there is no releases/{release} in {root}: `receipt-lint create-release {release}`")
    return root, release, now, tree


def _check_values(args: argparse.Namespace) -> None:
    if not 0 <= args.warn_days <= MAX_WARN_DAYS:
        raise UsageError(f"--warn-days {args.warn_days}: give a number of days from 0 to {MAX_WARN_DAYS}")
    if not 0 <= args.max_wait <= 24 * 3600:
        raise UsageError(f"--max-wait {args.max_wait:g}: give seconds from 0 to 86400")
    if not _REPO.fullmatch(args.issues_repo):
        raise UsageError(
            f"--issues-repo {quoted(args.issues_repo)}: give OWNER/REPO, e.g. kubernetes/enhancements"
        )
    if args.suggest and args.format != "text":
        raise UsageError(
            "--suggest prints commands; drop --format (json and markdown hold the commands already)"
        )


def _facts(args: argparse.Namespace, tree: Tree, release: str, now: object) -> Facts:
    """The pull requests' and issues' state: from the snapshot, else read from GitHub now."""
    from receipt_lint.github import facts as saved

    if args.source is not None:
        try:
            return saved.load(Path(args.source))
        except saved.SnapshotError as error:
            raise UsageError(str(error)) from None
    from receipt_lint.github.client import Client, GitHubError, find_endpoint, find_token
    from receipt_lint.github.read import read_release
    from receipt_lint.github.status import wanted

    urls, numbers = wanted(tree, release)
    try:
        endpoint, token = find_endpoint(), find_token()
        with Client(endpoint, token, max_wait=args.max_wait) as client:
            facts = read_release(client, args.issues_repo, urls, numbers, parse_now(None))
    except GitHubError as error:
        raise UsageError(str(error)) from None
    if args.save is not None:
        try:
            saved.save(facts, Path(args.save))
        except OSError as error:
            raise UsageError(f"cannot write {args.save}: {error.strerror}") from None
    return facts


def _judge(tree: Tree, release: str, facts: Facts, now: object, warn_days: int) -> Status:
    import datetime as dt

    from receipt_lint.engine.config import ConfigError, read_config
    from receipt_lint.github.status import StatusError, judge
    from receipt_lint.rules import RULES_BY_ID

    assert isinstance(now, dt.datetime)
    try:
        choice = read_config(tree, RULES_BY_ID)
        return judge(tree, release, facts, now, warn=dt.timedelta(days=warn_days), choice=choice)
    except (ConfigError, StatusError) as error:
        raise UsageError(str(error)) from None


def _apply(root: Path, status: Status, args: argparse.Namespace) -> int:
    """Make every move the verdicts call for in the working tree, all or none: one pull request to review."""
    from receipt_lint.workflow import verbs
    from receipt_lint.workflow.workspace import WorkflowError, Workspace

    folder = f"releases/{status.release}"
    moves = [row for row in status.rows if row.action is not None]
    if moves and _git(root, "status", "--porcelain", "--", folder).strip():  # could not run: exit 2
        raise UsageError(
            f"{folder} has uncommitted changes: commit or stash them first (nothing was changed)"
        )
    ws = Workspace(root, status.now)
    said: list[str] = []  # printed once every move is made: a refused one undoes the others
    try:
        for row in moves:
            assert row.action is not None
            if row.action.verb == "remove":
                verbs.move(ws, int(row.kep), status.release, "removed", said.append)
            else:
                verbs.accept(
                    ws, int(row.kep), status.release, row.action.verb == "accept --at-risk", said.append
                )
    except WorkflowError as error:
        _git(root, "reset", "-q", "--", folder)
        _git(root, "checkout", "-q", "--", folder)
        _git(root, "clean", "-fdq", "--", folder)
        print(f"receipt-lint: {error} (nothing was changed)", file=sys.stderr)
        return 1
    for line in said:
        print(line)
    made = f"{len(moves)} move{'s' if len(moves) != 1 else ''} made in the working tree"
    print(f"==> {made}: review them, commit, open a pull request" if moves else "==> no move is needed")
    return 0


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False).stdout
