"""``receipt-lint check``: the presubmit, in diff mode or over a whole tree (``--all``), and ``--fix``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from receipt_lint.cli.common import (
    Parser,
    UsageError,
    find_repo,
    parse_now,
    parse_release_option,
    reader_gone,
    repo_relative,
    use_color,
)

if TYPE_CHECKING:
    from receipt_lint.engine.check import Options, Result
    from receipt_lint.model.files import Tree
    from receipt_lint.trees.git import Repo


FORMATS = ("text", "github", "json", "junit", "sarif")



def add_check(commands: argparse._SubParsersAction[Parser]) -> None:
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



def run_check(args: argparse.Namespace) -> int:
    if args.head == "":
        raise UsageError("--head is empty: name a commit (--head HEAD), or drop it for the working tree")
    if args.fix and (args.head or args.staged):
        raise UsageError("--fix edits the working tree: drop --head/--staged (and never use it in CI)")
    # --all on the working tree needs no git: a plain folder of files is checked as it is.
    root = find_repo(args.repo, plain=args.all and not (args.head or args.staged))
    result = _checked(root, args)
    if args.fix:
        from receipt_lint.reporters import one_line
        from receipt_lint.workflow.fix import fix

        # A fix can uncover another (a valid tracking-status lets the agreement checks run):
        # fix again while a pass fixes something, a few times at most.
        said: set[str] = set()
        for _ in range(3):
            fixed = fix(root, result.findings, parse_now(args.now))
            for one in fixed:
                where = one_line(f"{one.path}:{one.line}" if one.line else one.path)
                line = f"not fixed {where} {one.key}: {one_line(one.not_fixed)}" if one.not_fixed else ""
                if line and line not in said:
                    said.add(line)
                    print(line, file=sys.stderr)
                elif not line:
                    print(f"fixed {where} {one.key}", file=sys.stderr)
            result = _checked(root, args)  # what is left
            if all(one.not_fixed for one in fixed):
                break
    try:
        write_report(result, args.format, args.output)
    except BrokenPipeError:  # `check | head`: the verdict is still the exit code
        reader_gone()
    return 1 if result.failed else 0



def _checked(root: Path, args: argparse.Namespace) -> Result:
    if args.all:
        from receipt_lint.engine.check import check_all

        tree = _tree_to_check(root, args)
        options = with_rule_choice(check_options(root, args), args, tree)
        _require_named(options, (tree,), frozenset())
        result = check_all(tree, options)
        if not result.receipts_checked and not tree.files_under("releases") and not tree.files_under("keps"):
            raise UsageError(
                f"{root} holds no releases/ and no keps/: run in a kubernetes/enhancements checkout "
                "or pass --repo DIR"
            )
        return result
    return check_diff(root, args)



def _tree_to_check(root: Path, args: argparse.Namespace) -> Tree:
    """``--all``'s tree: the commit ``--head`` names, the index with ``--staged``, else the working tree."""
    from receipt_lint.trees.worktree import WorkTree

    if not args.head and not args.staged:
        return WorkTree(root)
    from receipt_lint.trees import commits, git

    repo = git.open_repo(root)
    try:
        if args.staged:
            return commits.IndexTree(repo)
        return commits.CommitTree(repo, git.resolve_commits(repo, {"--head": args.head})["--head"])
    except git.GitError as error:
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
    from receipt_lint.engine.config import ConfigError, merged, read_config, read_config_problems, rule_ids
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
    from receipt_lint.engine.check import Options

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
    from receipt_lint.cli.ci import ci_context
    from receipt_lint.trees import git

    repo = git.open_repo(root)
    ci = ci_context(dict(os.environ))
    git_side = git.Background(lambda: _ask_git(repo, root, args, ci.base))
    from receipt_lint.engine.diff import Change, check_change

    options = check_options(root, args)
    try:
        base_tree, head_tree, changed = git_side.result()
    except git.GitError as error:
        raise UsageError(str(error)) from None
    options = with_rule_choice(options, args, base_tree, base=True)  # a change cannot opt out
    _require_named(options, (head_tree, base_tree), changed)
    return check_change(Change(base_tree, head_tree, changed, author=args.author or ci.author), options)



def _ask_git(
    repo: Repo, root: Path, args: argparse.Namespace, ci_base: str | None
) -> tuple[Tree, Tree, frozenset[str]]:
    """The base tree (at the merge-base), the head tree and the changed paths."""
    from receipt_lint.trees import commits, git
    from receipt_lint.trees.worktree import WorkTree

    # A staged check with no remote compares the index with HEAD: the commit being made.
    fallback = "HEAD" if args.staged else None
    base_rev = args.base or ci_base or git.default_base(repo, fallback=fallback)
    resolved = git.resolve_commits(repo, {"base": base_rev, "head": args.head or "HEAD"})
    head = resolved["head"]
    fork = git.merge_base(repo, resolved["base"], head)
    changed = commits.changed_paths(repo, fork, head if args.head else None, staged=args.staged)
    base_tree = commits.CommitTree(repo, fork)
    head_tree: Tree
    if args.head:
        head_tree = commits.CommitTree(repo, head)
    else:
        head_tree = commits.IndexTree(repo) if args.staged else WorkTree(root)
    commits.prefetch(repo, (base_tree, head_tree), changed)
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
