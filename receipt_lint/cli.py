"""The command line: argparse -> options -> core -> reporter -> exit code.

The only place that exits.  0: no errors; 1: errors found; 2: could not run
(one line on stderr saying what to do, never a traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from receipt_lint import __version__

if TYPE_CHECKING:
    from receipt_lint.engine import Options, Result
    from receipt_lint.gitrepo import Repo
    from receipt_lint.tree import Tree

FORMATS = ("text", "github", "json", "junit", "sarif")


def quoted(text: str) -> str:
    """findings.quoted, imported when a message needs it: the command line starts git first."""
    from receipt_lint.findings import quoted as quote

    return quote(text)


class UsageError(Exception):
    """A user mistake: the message says what to do."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def run() -> NoReturn:
    """The ``receipt-lint`` program: ``main()``, then a hard exit.

    Tearing the interpreter down (freeing every module and object one by one)
    took 21 ms, a tenth of a one-receipt PR check, for nothing: the process
    is ending.  Like mypy, we flush what we wrote and leave with ``os._exit``.
    Open files are closed by then and the one child, ``git cat-file``, ends
    when its input closes.  ``main()`` itself returns normally (tests call it).
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be said
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    # Pydantic scans every installed distribution for plugins when it builds the
    # first model; receipt-lint uses none.  This is pydantic's documented switch;
    # a value the user set wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):  # replaced by a test, or closed
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    arguments = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser(only_check=arguments[:1] == ["check"]).parse_args(arguments)
        return int(args.run(args))
    except UsageError as error:
        print(f"receipt-lint: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `receipt-lint ... | head`: the reader has gone; say nothing more
        _reader_gone()
        return 0
    except Exception as error:  # a bug of ours: still one line, exit 2
        if os.environ.get("RECEIPT_LINT_DEBUG"):
            raise
        print(
            f"receipt-lint: internal error: {type(error).__name__}: {error} "
            "(set RECEIPT_LINT_DEBUG=1 for the traceback, and please report it)",
            file=sys.stderr,
        )
        return 2


def _reader_gone() -> None:
    """Point stdout at /dev/null: what is still buffered for a closed pipe is dropped, not an error."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def build_parser(only_check: bool = False) -> argparse.ArgumentParser:
    """The whole command line; with ``only_check``, just ``check`` (what CI and pre-commit run).

    Building the other eleven subcommands costs ~2.5 ms a run that cannot use them.
    """
    parser = _Parser(prog="receipt-lint", description="Validate Kubernetes enhancement receipts.")
    parser.add_argument("--version", action="version", version=f"receipt-lint {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_check(commands)
    if only_check:
        return parser
    _add_workflow(commands)
    manifest = commands.add_parser("manifest", help="the release manifest (replaces the tracking sheet)")
    manifest.add_argument("--release", required=True)
    manifest.add_argument("--format", choices=("markdown", "json", "yaml", "html"), default="markdown")
    manifest.add_argument("--sig", help="only this SIG's receipts")
    manifest.add_argument("--repo", help="the kubernetes/enhancements checkout")
    manifest.add_argument("--now", help="the time for schedule rules (ISO 8601)")
    manifest.add_argument("--output", metavar="FILE", help="write the manifest to FILE")
    manifest.add_argument("--at", metavar="REV|DATE", help="the manifest as it stood at a commit or date")
    _add_no_cache(manifest)
    manifest.set_defaults(run=run_manifest)
    _add_reports(commands)
    rules = commands.add_parser("rules", help="list every rule: id, severity, summary")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.set_defaults(run=run_rules)
    explain = commands.add_parser("explain", help="what a rule checks, why, and how to fix it")
    explain.add_argument("rule")
    explain.set_defaults(run=run_explain)
    schema = commands.add_parser("schema", help="print a shipped JSON Schema")
    schema.add_argument("name", choices=("receipt", "kep", "prr", "schedule", "config"))
    schema.set_defaults(run=run_schema)
    demo = commands.add_parser("demo", help="build an example repository and check it")
    demo.add_argument("--keep", metavar="DIR", help="build the example in DIR and keep it")
    demo.set_defaults(run=run_demo)
    return parser


def _add_check(commands: argparse._SubParsersAction[_Parser]) -> None:
    check = commands.add_parser("check", help="check receipts")
    check.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="report only findings on these files, or on the files under these folders",
    )
    check.add_argument("--repo", help="the kubernetes/enhancements checkout (default: git top level)")
    check.add_argument("--all", action="store_true", help="check every receipt of the tree")
    check.add_argument("--base", help="the revision the change is compared with (default: from CI)")
    heads = check.add_mutually_exclusive_group()
    heads.add_argument("--head", help="check this commit (default: the working tree)")
    heads.add_argument("--staged", action="store_true", help="check the git index (pre-commit)")
    check.add_argument("--author", help="the change's author, for the team-approval warning")
    check.add_argument("--release", help="restrict to one release (vX.Y)")
    check.add_argument("--select", metavar="RULE[,RULE...]", help="report only these rules")
    check.add_argument("--ignore", metavar="RULE[,RULE...]", help="report all rules but these")
    check.add_argument("--now", help="the time for schedule rules (ISO 8601; default: now, UTC)")
    check.add_argument(
        "--format", choices=FORMATS, help="output format (default: text; github under GitHub Actions)"
    )
    check.add_argument("--output", metavar="FILE", help="write the report to FILE")
    check.add_argument(
        "--fix",
        action="store_true",
        help="apply the mechanical fixes (tracking-status, title, owning-sig, a milestone's v) in the "
        "working tree, then report what is left",
    )
    check.set_defaults(run=run_check)


def _add_workflow(commands: argparse._SubParsersAction[_Parser]) -> None:
    from receipt_lint.names import FREEZES

    def command(name: str, help_text: str, action: str, parent: Any = commands) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = parent.add_parser(name, help=help_text)
        parser.add_argument("--repo", help="the kubernetes/enhancements checkout")
        parser.add_argument("--now", help="the time for schedule rules (ISO 8601)")
        parser.set_defaults(run=run_workflow, action=action)
        return parser

    create = command("create-release", "create releases/vX.Y with OWNERS and schedule", "create")
    create.add_argument("release")
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
    promote.add_argument("kep", metavar="SIG/NUMBER-SLUG")
    promote.add_argument("--stage", required=True)
    promote.add_argument("--release", required=True)
    accept = command("accept", "move a receipt to accepted (or --at-risk)", "accept")
    accept.add_argument("--at-risk", action="store_true", help="move it to at-risk instead")
    remove = command("remove", "move a receipt to removed", "remove")
    exception = commands.add_parser("exception", help="request, grant or deny an exception")
    verbs = exception.add_subparsers(dest="verb", required=True, parser_class=_Parser)
    request = command("request", "request an exception (writes the exception block)", "request", verbs)
    request.add_argument("--freeze", required=True, choices=FREEZES)
    request.add_argument("--additional-days", required=True, type=int)
    for text in ("--reason", "--risks-of-adding", "--risks-of-cutting"):
        request.add_argument(text, required=True)
    granted = command("accept", "grant: exception -> at-risk", "grant", verbs)
    denied = command("deny", "deny: exception -> removed", "deny", verbs)
    for parser in (accept, remove, request, granted, denied):
        parser.add_argument("number", type=int, metavar="NUMBER")
        parser.add_argument("--release", required=True)


def run_workflow(args: argparse.Namespace) -> int:
    from receipt_lint import workflow

    root = find_repo(args.repo)
    ws = workflow.Workspace(root, parse_now(args.now))
    _check_workflow_values(args, ws.now)
    try:
        _dispatch(workflow, ws, args)
    except workflow.BadArgument as error:
        raise UsageError(str(error)) from None
    except workflow.WorkflowError as error:
        print(f"receipt-lint: {error} (nothing was changed)", file=sys.stderr)
        return 1
    return 0


def _check_workflow_values(args: argparse.Namespace, now: dt.datetime) -> None:
    """A value no verb can take is a usage error (exit 2, one line), before anything is looked at."""
    from receipt_lint.names import STAGES

    if args.action == "create":
        _check_new_release(args)
    else:
        parse_release_option(args.release)
    if args.action == "promote" and args.stage not in STAGES:
        raise UsageError(f"--stage {quoted(args.stage)}: use one of {', '.join(STAGES)}")
    if args.action == "request":
        if args.additional_days < 1:
            raise UsageError(f"--additional-days {args.additional_days}: ask for one day or more")
        for name in ("reason", "risks_of_adding", "risks_of_cutting"):
            if not getattr(args, name).strip():
                raise UsageError(f"--{name.replace('_', '-')} is empty: the release team decides on it")
    if args.action == "create":
        _check_schedule_dates(args, now)


_LOGIN = re.compile(r"@?[A-Za-z0-9][A-Za-z0-9-]*")


def _check_new_release(args: argparse.Namespace) -> None:
    """create-release's positional release name and its owners: logins and alias names only."""
    from receipt_lint.versions import parse_release

    if parse_release(args.release) is None:
        raise UsageError(f"{quoted(args.release)} is not a release name: use vMAJOR.MINOR, e.g. v1.37")
    for owner in args.owner:
        if not _LOGIN.fullmatch(owner):
            raise UsageError(
                f"--owner {quoted(owner)}: give a GitHub login or an OWNERS_ALIASES name (letters, digits, -)"
            )


def _check_schedule_dates(args: argparse.Namespace, now: dt.datetime) -> None:
    """create-release dates: real, in the schedule's order, and not past (unless --allow-past)."""
    from receipt_lint.models import SCHEDULE_ORDER
    from receipt_lint.times import parse_time

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


def _add_reports(commands: argparse._SubParsersAction[_Parser]) -> None:
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
        _add_no_cache(parser)
        parser.set_defaults(run=run)


def _add_no_cache(parser: _Parser) -> None:
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="judge every commit again; read and write no cache (README: The audit trail)",
    )


def run_manifest(args: argparse.Namespace) -> int:
    from receipt_lint.manifest import build, render

    root = find_repo(args.repo)
    release = parse_release_option(args.release)
    assert release is not None
    tree, now, timeline = _manifest_source(root, args, release)
    if not tree.files_under(f"releases/{release}"):
        from receipt_lint.tree import WorkTree

        if args.at is not None and WorkTree(root).files_under(f"releases/{release}"):
            raise UsageError(f"releases/{release} did not exist yet at {quoted(args.at)}: pick a later --at")
        raise UsageError(f"there is no releases/{release} in {root}: `receipt-lint create-release {release}`")
    from receipt_lint.config import ConfigError
    from receipt_lint.layout import UnknownSig

    try:
        manifest = build(tree, release, now, args.sig)
    except (ConfigError, UnknownSig) as error:
        raise UsageError(str(error)) from None
    if args.format in ("html", "json", "yaml") and timeline is not None:
        manifest.timeline = timeline()  # the chart's data: drawn in html, given as data in json and yaml
    _write_text(render(manifest, args.format), args.output)
    return 0


def _manifest_source(root: Path, args: argparse.Namespace, release: str) -> tuple[Tree, dt.datetime, Any]:
    """The tree a manifest reads (the working tree, or a commit for ``--at``), its time and its history.

    The history (for the html chart) is read only when the checkout is a git
    repository with commits; a plain folder still gets a manifest.
    """
    from receipt_lint import gitrepo
    from receipt_lint.tree import WorkTree

    repo = gitrepo.open_repo(root)
    try:
        if args.at is None:
            head = gitrepo.resolve_commits(repo, {"HEAD": "HEAD"})["HEAD"]
            tree: Tree = WorkTree(root)
            now = parse_now(args.now)
        else:
            head = _commit_at(repo, args.at)
            tree = gitrepo.CommitTree(repo, head)
            now = parse_now(args.now) if args.now else gitrepo.commit_date(repo, head)
    except gitrepo.GitError as error:
        if args.at is not None:
            raise UsageError(str(error)) from None
        return WorkTree(root), parse_now(args.now), None
    from receipt_lint.manifest import timeline

    return tree, now, lambda: timeline(repo, head, release, cache=not args.no_cache)


def _commit_at(repo: Repo, at: str) -> str:
    """``--at``: a revision, else the last first-parent commit before a date."""
    from receipt_lint import gitrepo

    commit, when = _revision_or_date(repo, at, "--at", bare_date="end")
    if commit is not None:
        return commit
    assert when is not None
    found = gitrepo.first_parent_before(repo, "HEAD", when)
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
    from receipt_lint.times import parse_time

    try:
        return None, parse_time(text, bare_date=bare_date)
    except ValueError as error:
        if (
            text[:4].isascii() and text[:4].isdigit() and text[4:5] == "-"
        ):  # meant as a date: say what is wrong
            raise UsageError(f"{option}: {error}") from None
        raise UsageError(f"{option} {quoted(text)} is neither a commit nor a date (2026-02-05)") from None


def run_history(args: argparse.Namespace) -> int:
    from receipt_lint import gitrepo, history

    root = find_repo(args.repo)
    release = parse_release_option(args.release)
    repo = gitrepo.open_repo(root)
    try:
        head = gitrepo.resolve_commits(repo, {"head": args.head})["head"]
        since, start = (
            _revision_or_date(repo, args.since, "--since", bare_date="start")
            if args.since is not None
            else (None, None)
        )
        replayed = history.read(
            repo, head, since=since, release=release, start=start, cache=not args.no_cache
        )
        if release is not None and not replayed.commits:
            _release_in_history(repo, head, release)
    except gitrepo.GitError as error:
        raise UsageError(str(error)) from None
    _write_text(history.render(replayed, args.format), args.output)
    return 1 if replayed.breached else 0


def _release_in_history(repo: Repo, head: str, release: str) -> None:
    """No commit of the range touched the release: a typo, unless one before the range did."""
    from receipt_lint import gitrepo

    if not gitrepo.first_parent_touches(repo, head, f"releases/{release}"):
        raise UsageError(
            f"no commit of the history of {head[:12]} touches releases/{release}: check the name"
        )


def run_slips(args: argparse.Namespace) -> int:
    from receipt_lint import gitrepo, history, slips
    from receipt_lint.layout import UnknownSig

    root = find_repo(args.repo)
    repo = gitrepo.open_repo(root)
    try:
        head = gitrepo.resolve_commits(repo, {"HEAD": "HEAD"})["HEAD"]
        replayed = history.read(repo, head, cache=not args.no_cache)
        report = slips.build(gitrepo.CommitTree(repo, head), replayed, parse_now(args.now), args.sig)
    except (gitrepo.GitError, UnknownSig) as error:
        raise UsageError(str(error)) from None
    _write_text(slips.render(report, args.format), args.output)
    return 0


def _write_text(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from receipt_lint.reporters import UNDECODABLE

    try:
        Path(output).write_text(text, encoding="utf-8", errors=UNDECODABLE)
    except OSError as error:
        raise UsageError(f"cannot write {output}: {error.strerror}") from None


def run_check(args: argparse.Namespace) -> int:
    if args.head == "":
        raise UsageError("--head is empty: name a commit (--head HEAD), or drop it for the working tree")
    if args.fix and (args.head or args.staged):
        raise UsageError("--fix edits the working tree: drop --head/--staged (and never use it in CI)")
    # --all on the working tree needs no git: a plain folder of files is checked as it is.
    root = find_repo(args.repo, plain=args.all and not (args.head or args.staged))
    result = _checked(root, args)
    if args.fix:
        from receipt_lint.fix import fix
        from receipt_lint.reporters import one_line

        for fixed in fix(root, result.findings, parse_now(args.now)):
            where = one_line(f"{fixed.path}:{fixed.line}" if fixed.line else fixed.path)
            if fixed.not_fixed:
                print(f"not fixed {where} {fixed.key}: {one_line(fixed.not_fixed)}", file=sys.stderr)
            else:
                print(f"fixed {where} {fixed.key}", file=sys.stderr)
        result = _checked(root, args)  # what is left
    try:
        write_report(result, args.format, args.output)
    except BrokenPipeError:  # `check | head`: the verdict is still the exit code
        _reader_gone()
    return 1 if result.failed else 0


def _checked(root: Path, args: argparse.Namespace) -> Result:
    if args.all:
        from receipt_lint.engine import check_all

        tree = _tree_to_check(root, args)
        options = with_rule_choice(check_options(root, args), args, tree)
        _require_named(options, (tree,), frozenset())
        return check_all(tree, options)
    return check_diff(root, args)


def _tree_to_check(root: Path, args: argparse.Namespace) -> Tree:
    """``--all``'s tree: the commit ``--head`` names, the index with ``--staged``, else the working tree."""
    from receipt_lint.tree import WorkTree

    if not args.head and not args.staged:
        return WorkTree(root)
    from receipt_lint import gitrepo

    repo = gitrepo.open_repo(root)
    try:
        if args.staged:
            return gitrepo.IndexTree(repo)
        return gitrepo.CommitTree(repo, gitrepo.resolve_commits(repo, {"--head": args.head})["--head"])
    except gitrepo.GitError as error:
        raise UsageError(str(error)) from None


def _require_named(options: Options, trees: tuple[Tree, ...], changed: frozenset[str]) -> None:
    """A ``--release`` or ``FILE`` that names nothing is a mistake, not a clean result."""
    release = options.release
    if release is not None and not any(tree.files_under(f"releases/{release}") for tree in trees):
        raise UsageError(f"--release {release}: there is no releases/{release} (see `ls releases`)")
    for name in sorted(options.only_paths):
        named = [path for path in changed if path == name or path.startswith(f"{name}/")]
        if not named and not _exists_under(trees, name):
            raise UsageError(f"{name or '.'} names no file in the repository: check the path")


def _exists_under(trees: tuple[Tree, ...], name: str) -> bool:
    return name == "" or any(tree.exists(name) or tree.files_under(name) for tree in trees)


def with_rule_choice(
    options: Options, args: argparse.Namespace, tree: Tree, *, base: bool = False
) -> Options:
    """The rules to report: ``.receipt-lint.yaml`` in ``tree``, then the flags, which win.

    ``base``: the tree is a change's base, whose invalid file switches nothing off
    and becomes a warning (the change that mends it must be able to pass);
    elsewhere an invalid file stops the run.
    """
    from receipt_lint.config import ConfigError, merged, read_config, read_config_problems, rule_ids
    from receipt_lint.rules import RULES_BY_ID

    try:
        select = rule_ids(args.select, "--select", RULES_BY_ID) if args.select is not None else None
        ignore = rule_ids(args.ignore, "--ignore", RULES_BY_ID) if args.ignore is not None else frozenset()
        if not base:
            return options._replace(rules=merged(read_config(tree, RULES_BY_ID), select, ignore))
        choice, problems = read_config_problems(tree, RULES_BY_ID)
        return options._replace(rules=merged(choice, select, ignore), base_config=tuple(problems))
    except ConfigError as error:
        raise UsageError(str(error)) from None


def check_options(root: Path, args: argparse.Namespace) -> Options:
    from receipt_lint.engine import Options

    return Options(
        now=parse_now(args.now),
        release=parse_release_option(args.release),
        only_paths=frozenset(repo_relative(root, name) for name in args.files),
    )


def check_diff(root: Path, args: argparse.Namespace) -> Result:
    """Diff mode: the change from merge-base(base, head) to the head.

    Git answers in a thread while the rules (and pydantic) are imported: its
    ~20 ms of processes finish well inside the ~100 ms of imports, so on a
    one-receipt pull request git costs no time at all (hack/bench.py).
    """
    from receipt_lint import gitrepo

    repo = gitrepo.open_repo(root)
    ci = gitrepo.ci_context(dict(os.environ))
    git_side = gitrepo.Background(lambda: _ask_git(repo, root, args, ci.base))
    from receipt_lint.diff import Change, check_change

    options = check_options(root, args)
    try:
        base_tree, head_tree, changed = git_side.result()
    except gitrepo.GitError as error:
        raise UsageError(str(error)) from None
    options = with_rule_choice(options, args, base_tree, base=True)  # a change cannot opt out
    _require_named(options, (head_tree, base_tree), changed)
    return check_change(Change(base_tree, head_tree, changed, author=args.author or ci.author), options)


def _ask_git(
    repo: Repo, root: Path, args: argparse.Namespace, ci_base: str | None
) -> tuple[Tree, Tree, frozenset[str]]:
    """The base tree (at the merge-base), the head tree and the changed paths."""
    from receipt_lint import gitrepo
    from receipt_lint.tree import WorkTree

    # A staged check with no remote compares the index with HEAD: the commit being made.
    fallback = "HEAD" if args.staged else None
    base_rev = args.base or ci_base or gitrepo.default_base(repo, fallback=fallback)
    commits = gitrepo.resolve_commits(repo, {"base": base_rev, "head": args.head or "HEAD"})
    head = commits["head"]
    fork = gitrepo.merge_base(repo, commits["base"], head)
    changed = gitrepo.changed_paths(repo, fork, head if args.head else None, staged=args.staged)
    base_tree = gitrepo.CommitTree(repo, fork)
    head_tree: Tree
    if args.head:
        head_tree = gitrepo.CommitTree(repo, head)
    else:
        head_tree = gitrepo.IndexTree(repo) if args.staged else WorkTree(root)
    gitrepo.prefetch(repo, (base_tree, head_tree), changed)
    return base_tree, head_tree, changed


def write_report(result: Result, format_name: str | None, output: str | None) -> None:
    """Print (or write) the report; under Prow also write JUnit to $ARTIFACTS."""
    import importlib

    if format_name is None:
        format_name = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    reporter = importlib.import_module(f"receipt_lint.reporters.{format_name}")
    from receipt_lint.reporters import UNDECODABLE

    try:
        if output is None:
            reporter.report(result, sys.stdout, color=use_color(sys.stdout))
        else:
            with open(output, "w", encoding="utf-8", errors=UNDECODABLE) as stream:
                reporter.report(result, stream)
        artifacts = os.environ.get("ARTIFACTS")
        if artifacts:
            from receipt_lint.reporters import junit

            Path(artifacts).mkdir(parents=True, exist_ok=True)
            (Path(artifacts) / junit.ARTIFACT_NAME).write_text(
                junit.render(result), encoding="utf-8", errors=UNDECODABLE
            )
    except BrokenPipeError:
        raise  # the reader has gone (`| head`): main ends quietly, as other command-line tools do
    except OSError as error:
        raise UsageError(f"cannot write the report: {error}") from None


def use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


def find_repo(repo: str | None, *, plain: bool = False) -> Path:
    """The checkout's top level: any folder inside it means the whole repository.

    (A sub-folder taken as the root would make git's paths relative to it, and
    a deletion elsewhere would go unseen.)  ``--repo`` may name a folder that is
    not a git checkout at all, for ``check --all`` on plain files.
    """
    if repo is not None:
        path = Path(repo)
        if not path.is_dir():
            raise UsageError(f"--repo {repo}: no such directory")
        return _git_top_level(path) or path.resolve()
    top = _git_top_level(None)
    if top is None and plain:
        return Path.cwd().resolve()
    if top is None:
        raise UsageError(
            "not inside a git repository: run in a kubernetes/enhancements checkout or pass --repo DIR"
        )
    return top


def _git_top_level(folder: Path | None) -> Path | None:
    where = ["-C", str(folder)] if folder is not None else []
    try:
        top = subprocess.run(
            ["git", *where, "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return Path(top).resolve() if top else None


def repo_relative(root: Path, name: str) -> str:
    """A FILE argument as a repo-relative path.

    Relative to the current folder when that is inside the repository (as a
    shell completes it), else to the repository's top level (``--repo`` run
    from elsewhere).
    """
    path = Path(name).resolve()
    if not Path(name).is_absolute() and not path.is_relative_to(root):
        path = (root / name).resolve()
    try:
        relative = path.relative_to(root).as_posix()
        return "" if relative == "." else relative
    except ValueError:
        raise UsageError(f"{name} is outside the repository {root}") from None


def parse_now(text: str | None) -> dt.datetime:
    """``--now``: a bare date is the start of that day in UTC (design doc section 5)."""
    if text is None:
        return dt.datetime.now(dt.timezone.utc)
    from receipt_lint.times import parse_time

    try:
        return parse_time(text, bare_date="start")
    except ValueError as error:
        raise UsageError(f"--now: {error}") from None


def parse_release_option(text: str | None) -> str | None:
    from receipt_lint.versions import parse_release

    if text is not None and parse_release(text) is None:
        raise UsageError(f"--release {quoted(text)} is not a release name: use vMAJOR.MINOR, e.g. v1.37")
    return text


def run_rules(args: argparse.Namespace) -> int:
    """Every rule; an agreement rule's severity may follow the receipt's state, and says so."""
    from receipt_lint.rules import ALL_RULES, SEVERITY_NOTES

    if args.format == "json":
        import json

        rows = [
            {
                "id": rule.id,
                "severity": rule.severity.value,
                "severity_note": SEVERITY_NOTES.get(rule.id),
                "scope": rule.scope,
                "agreement": rule.agreement,
                "summary": rule.summary,
            }
            for rule in ALL_RULES
        ]
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(rule.id) for rule in ALL_RULES)
    for rule in ALL_RULES:
        note = f" ({SEVERITY_NOTES[rule.id]})" if rule.id in SEVERITY_NOTES else ""
        print(f"{rule.id:<{width}}  {rule.severity.value:<7}  {rule.summary}{note}")
    return 0


def run_explain(args: argparse.Namespace) -> int:
    from receipt_lint.rules import RULES_BY_ID

    rule = RULES_BY_ID.get(args.rule)
    if rule is None:
        from receipt_lint.findings import closest

        close = closest(args.rule, list(RULES_BY_ID))
        hint = f"did you mean {quoted(close)}? " if close else ""
        raise UsageError(f"no rule {quoted(args.rule)}: {hint}(`receipt-lint rules` lists them)")
    print(f"{rule.id} (default severity: {rule.severity.value})\n\n{rule.doc}")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    from receipt_lint.schemas_dir import schema_text

    sys.stdout.write(schema_text(args.name))
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from receipt_lint.demo import run

    return run(sys.stdout, keep=Path(args.keep) if args.keep else None)
