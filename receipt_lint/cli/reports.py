"""The read-only reports: ``manifest``, ``history`` and ``slips``."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    from receipt_lint.model.files import Tree
    from receipt_lint.trees.git import Repo


def add_reports(commands: argparse._SubParsersAction[Parser]) -> None:
    manifest = commands.add_parser("manifest", help="the release manifest (replaces the tracking sheet)")
    manifest.add_argument("--release", required=True)
    manifest.add_argument("--format", choices=("markdown", "json", "yaml", "html"), default="markdown")
    manifest.add_argument("--sig", help="only this SIG's receipts")
    manifest.add_argument("--repo", help="the kubernetes/enhancements checkout")
    manifest.add_argument("--now", help="the time for schedule rules (ISO 8601)")
    manifest.add_argument("--output", metavar="FILE", help="write the manifest to FILE")
    manifest.add_argument("--at", metavar="REV|DATE", help="the manifest as it stood at a commit or date")
    manifest.add_argument(
        "--status", metavar="SNAPSHOT", help="add code and docs columns from a `status --save` snapshot"
    )
    add_no_cache(manifest)
    manifest.set_defaults(run=run_manifest)
    history = commands.add_parser("history", help="every receipt move in the first-parent history")
    history.add_argument("--release", help="only this release's receipts")
    history.add_argument("--head", default="HEAD", help="the commit whose history is read (default: HEAD)")
    history.add_argument("--since", metavar="REV|DATE", help="start after this commit, or at this date")
    history.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    slips = commands.add_parser("slips", help="slipped enhancements per KEP and SIG, from history")
    slips.add_argument("--sig", help="only this SIG's KEPs")
    slips.add_argument("--format", choices=("text", "json", "markdown", "html"), default="text")
    slips.add_argument("--now", help="the time that decides which releases are closed (ISO 8601)")
    for parser, run in ((history, run_history), (slips, run_slips)):
        parser.add_argument("--repo", help="the kubernetes/enhancements checkout")
        parser.add_argument("--output", metavar="FILE", help="write the report to FILE")
        add_no_cache(parser)
        parser.set_defaults(run=run)



def add_no_cache(parser: Parser) -> None:
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="judge every commit again; read and write no cache (docs: Reports, the audit trail)",
    )



def run_manifest(args: argparse.Namespace) -> int:
    from receipt_lint.reports.manifest import build
    from receipt_lint.reports.manifest_pages import render

    root = find_repo(args.repo)
    release = parse_release_option(args.release)
    assert release is not None
    tree, now, timeline = _manifest_source(root, args, release)
    if not tree.files_under(f"releases/{release}"):
        from receipt_lint.trees.worktree import WorkTree

        if args.at is not None and WorkTree(root).files_under(f"releases/{release}"):
            raise UsageError(f"releases/{release} did not exist yet at {quoted(args.at)}: pick a later --at")
        raise UsageError(f"there is no releases/{release} in {root}: `receipt-lint create-release {release}`")
    from receipt_lint.engine.config import ConfigError
    from receipt_lint.model.layout import UnknownSig

    try:
        manifest = build(tree, release, now, args.sig)
    except (ConfigError, UnknownSig) as error:
        raise UsageError(str(error)) from None
    if args.status is not None:
        _add_status(manifest, tree, release, now, args.status)
    if args.format in ("html", "json", "yaml") and timeline is not None:
        manifest.timeline = timeline()  # the chart's data: drawn in html, given as data in json and yaml
    from receipt_lint.reporters import defused

    write_text(defused(render(manifest, args.format), args.format), args.output)
    return 0



def _add_status(manifest: Any, tree: Tree, release: str, now: dt.datetime, snapshot: str) -> None:
    """The code and docs verdicts and the move due, judged at the manifest's time from a snapshot."""
    from receipt_lint.engine.config import read_config
    from receipt_lint.github import facts
    from receipt_lint.github.status import StatusError, judge
    from receipt_lint.rules import RULES_BY_ID

    try:
        read = facts.load(Path(snapshot))
    except facts.SnapshotError as error:
        raise UsageError(str(error)) from None
    try:
        status = judge(tree, release, read, now, choice=read_config(tree, RULES_BY_ID))
    except StatusError as error:
        raise UsageError(str(error)) from None
    rows = {row.path: row for row in status.rows}
    manifest.status_read_at = read.read_at
    for entry in manifest.receipts:
        row = rows.get(entry.path)
        if row is not None:
            entry.code = row.code.verdict if row.code else None
            entry.docs = row.docs.verdict if row.docs else None
            entry.action = row.action.verb if row.action else None



def _manifest_source(root: Path, args: argparse.Namespace, release: str) -> tuple[Tree, dt.datetime, Any]:
    """The tree a manifest reads (the working tree, or a commit for ``--at``), its time and its history.

    The history (for the html chart) is read only when the checkout is a git
    repository with commits; a plain folder still gets a manifest.
    """
    from receipt_lint.trees import commits, git
    from receipt_lint.trees.worktree import WorkTree

    repo = git.open_repo(root)
    try:
        if args.at is None:
            head = git.resolve_commits(repo, {"HEAD": "HEAD"})["HEAD"]
            tree: Tree = WorkTree(root)
            now = parse_now(args.now)
        else:
            _refuse_shallow(repo, "manifest --at")
            head = _commit_at(repo, args.at)
            tree = commits.CommitTree(repo, head)
            now = parse_now(args.now) if args.now else git.commit_date(repo, head)
    except git.GitError as error:
        if args.at is not None:
            raise UsageError(str(error)) from None
        return WorkTree(root), parse_now(args.now), None
    from receipt_lint.reports.manifest import timeline

    if git.is_shallow(repo):  # its oldest commit would seem to create every receipt: no chart
        return tree, now, None
    return tree, now, lambda: timeline(repo, head, release, cache=not args.no_cache)



def _commit_at(repo: Repo, at: str) -> str:
    """``--at``: a revision, else the last first-parent commit before a date."""
    from receipt_lint.trees import log

    commit, when = _revision_or_date(repo, at, "--at", bare_date="end")
    if commit is not None:
        return commit
    assert when is not None
    found = log.first_parent_before(repo, "HEAD", when)
    if found is None:
        raise UsageError(f"no commit on the first-parent history is older than {at}")
    return found



def _revision_or_date(
    repo: Repo, text: str, option: str, *, bare_date: str
) -> tuple[str | None, dt.datetime | None]:
    """A commit the clone has, or else a date: (commit, None) or (None, date)."""
    found = repo.commits([text])[text]
    if found is not None:
        return found, None
    from receipt_lint.model.times import parse_time

    try:
        return None, parse_time(text, bare_date=bare_date)
    except ValueError as error:
        if (
            text[:4].isascii() and text[:4].isdigit() and text[4:5] == "-"
        ):  # meant as a date: say what is wrong
            raise UsageError(f"{option}: {error}") from None
        from receipt_lint.trees import git

        if git.is_shallow(repo):  # HEAD~1 of a depth-1 clone: the commit exists, the clone lacks it
            raise UsageError(
                f"{option} {quoted(text)} is not in this shallow clone: run `git fetch --unshallow`"
            ) from None
        raise UsageError(f"{option} {quoted(text)} is neither a commit nor a date (2026-02-05)") from None



def _refuse_shallow(repo: Repo, command: str) -> None:
    """A shallow clone cannot tell its history: its oldest commit seems to create every receipt."""
    from receipt_lint.trees import git

    if git.is_shallow(repo):
        raise UsageError(
            f"this clone is shallow, so {command} cannot tell what happened: run `git fetch --unshallow` "
            "(in GitHub Actions, actions/checkout with fetch-depth: 0)"
            + (", or start after a commit the clone holds: --since REV" if command == "history" else "")
        )


def run_history(args: argparse.Namespace) -> int:
    from receipt_lint.reports import history
    from receipt_lint.trees import git

    root = find_repo(args.repo)
    release = parse_release_option(args.release)
    repo = git.open_repo(root)
    try:
        head = git.resolve_commits(repo, {"head": args.head})["head"]
        since, start = (
            _revision_or_date(repo, args.since, "--since", bare_date="start")
            if args.since is not None
            else (None, None)
        )
        if since is None:  # from a commit the clone holds, a shallow clone can tell what came after
            _refuse_shallow(repo, "history")
        replayed = history.read(
            repo, head, since=since, release=release, start=start, cache=not args.no_cache
        )
        if release is not None and not replayed.commits:
            _release_in_history(repo, head, release)
    except git.GitError as error:
        raise UsageError(str(error)) from None
    from receipt_lint.reporters import defused

    write_text(defused(history.render(replayed, args.format), args.format), args.output)
    return 1 if replayed.breached else 0



def _release_in_history(repo: Repo, head: str, release: str) -> None:
    """No commit of the range touched the release: a typo, unless one before the range did."""
    from receipt_lint.trees import log

    if not log.first_parent_touches(repo, head, f"releases/{release}"):
        raise UsageError(
            f"no commit of the history of {head[:12]} touches releases/{release}: check the name"
        )



def run_slips(args: argparse.Namespace) -> int:
    from receipt_lint.model.layout import UnknownSig
    from receipt_lint.reports import history, slips
    from receipt_lint.trees import commits, git

    root = find_repo(args.repo)
    repo = git.open_repo(root)
    try:
        head = git.resolve_commits(repo, {"HEAD": "HEAD"})["HEAD"]
        _refuse_shallow(repo, "slips")
        replayed = history.read(repo, head, cache=not args.no_cache)
        report = slips.build(commits.CommitTree(repo, head), replayed, parse_now(args.now), args.sig)
    except (git.GitError, UnknownSig) as error:
        raise UsageError(str(error)) from None
    from receipt_lint.reporters import defused

    write_text(defused(slips.render(report, args.format), args.format), args.output)
    return 0
