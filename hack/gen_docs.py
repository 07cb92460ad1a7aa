#!/usr/bin/env python3
"""Generate the reference pages of docs/: one page per rule, the rule index, and the command line.

    python3 hack/gen_docs.py            # write docs/rules/*.md and docs/cli.md
    python3 hack/gen_docs.py --check    # exit 1, naming each stale page (tests/test_docs.py runs it)

A rule's page is its docstring (what ``receipt-lint explain`` prints), its default
severity and how it varies by state, and an example finding made by running the
check on a small repository built for that rule (``EXAMPLES``), so the example
is what the tool says today, not a copy.  The command-line reference is each
subcommand's ``--help``, from the argument parser itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from receipt_lint.cli import build_parser  # noqa: E402
from receipt_lint.engine.check import Options, check_all  # noqa: E402
from receipt_lint.engine.diff import Change, check_change  # noqa: E402
from receipt_lint.model.findings import Finding  # noqa: E402
from receipt_lint.reporters.text import format_finding  # noqa: E402
from receipt_lint.rules import ALL_RULES, SEVERITY_NOTES  # noqa: E402
from receipt_lint.rules.base import Rule  # noqa: E402
from receipt_lint.trees import commits, git  # noqa: E402
from receipt_lint.trees.worktree import WorkTree  # noqa: E402

NOW = dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc)
KEP = "keps/sig-node/2140-receipts/kep.yaml"
PRR = "keps/prod-readiness/sig-node/2140.yaml"
ACCEPTED = "releases/v1.37/accepted/2140.yaml"
RECEIPT = (
    "title: Receipts process\nkep-number: 2140\nowning-sig: sig-node\npath: sig-node/2140-receipts\n"
    "tracking-status: accepted\nstage: alpha\n"
)
KEP_YAML = (
    'title: Receipts process\nkep-number: 2140\nauthors:\n  - "@author"\nowning-sig: sig-node\n'
    'status: implementable\napprovers:\n  - "@lead"\ncreation-date: 2025-10-01\nstage: alpha\n'
    'latest-milestone: "v1.37"\nmilestone:\n  alpha: "v1.37"\n'
)
EXCEPTION = (
    "exception:\n  freeze: code\n  additional-days: 5\n  reason: r\n"
    "  risks-of-adding: a\n  risks-of-cutting: c\n"
)
Files = dict[str, str | None]  # path -> text; None deletes


def base() -> Files:
    """A correct repository: one KEP, its README and PRR approval, an accepted receipt in v1.37."""
    return {
        "OWNERS_ALIASES": "aliases:\n  prod-readiness-approvers:\n    - johnbelamaric\n",
        "releases/v1.37/OWNERS": "approvers:\n  - lead\n",
        KEP: KEP_YAML,
        "keps/sig-node/2140-receipts/README.md": (ROOT / "receipt_lint/ready_readme.md").read_text(),
        PRR: 'kep-number: 2140\nalpha:\n  approver: "@johnbelamaric"\n',
        ACCEPTED: RECEIPT,
    }


def receipt(state: str, extra: str = "") -> str:
    return RECEIPT.replace("accepted", state) + extra


class Example(NamedTuple):
    """A repository for one rule: ``files`` on top of ``base()``; with ``change``, a pull request."""

    files: Files
    change: Files | None = None
    author: str | None = None


SCHEDULE = "releases/v1.37/schedule.yaml"
EXAMPLES: dict[str, Example] = {
    "yaml-syntax": Example({ACCEPTED: "title: [unclosed\n"}),
    "receipt-schema": Example({ACCEPTED: RECEIPT + "implemention-prs: []\n"}),
    "receipt-location": Example({"releases/v1.37/accepted/notes.txt": "a note\n"}),
    "release-layout": Example({"releases/v1.38/proposed/.gitkeep": ""}),
    "status-mismatch": Example(
        {ACCEPTED: receipt("accepted").replace("tracking-status: accepted", "tracking-status: at-risk")}
    ),
    "filename-mismatch": Example({ACCEPTED: None, "releases/v1.37/accepted/2104.yaml": RECEIPT}),
    "duplicate-receipt": Example({"releases/v1.37/at-risk/2140.yaml": receipt("at-risk")}),
    "kep-not-found": Example(
        {ACCEPTED: RECEIPT.replace("path: sig-node/2140-receipts", "path: sig-node/2140-reciepts")}
    ),
    "kep-metadata": Example({KEP: KEP_YAML + "reviewer: someone\n"}),
    "kep-mismatch": Example({ACCEPTED: RECEIPT.replace("owning-sig: sig-node", "owning-sig: sig-apps")}),
    "stage-mismatch": Example({ACCEPTED: RECEIPT.replace("stage: alpha", "stage: beta")}),
    "milestone-mismatch": Example(
        {KEP: KEP_YAML.replace('latest-milestone: "v1.37"', 'latest-milestone: "v1.36"')}
    ),
    "kep-status": Example({KEP: KEP_YAML.replace("status: implementable", "status: provisional")}),
    "prr-missing": Example({PRR: None}),
    "prr-approver": Example({PRR: 'kep-number: 2140\nalpha:\n  approver: "@someone"\n'}),
    "prr-mismatch": Example({PRR: 'kep-number: 2141\nalpha:\n  approver: "@johnbelamaric"\n'}),
    "kep-readme": Example(
        {
            "keps/sig-node/2140-receipts/README.md": (ROOT / "receipt_lint/ready_readme.md")
            .read_text()
            .replace("## Implementation History", "## Later")
        }
    ),
    "kep-value": Example({KEP: KEP_YAML.replace('latest-milestone: "v1.37"', "latest-milestone: 1.37")}),
    "ready-to-accept": Example({ACCEPTED: None, "releases/v1.37/at-risk/2140.yaml": receipt("at-risk")}),
    "schedule-schema": Example({SCHEDULE: "code-freeze: 2026-03-19\nenhancement-freeze: 2026-02-12\n"}),
    "proposed-after-freeze": Example(
        {
            ACCEPTED: None,
            "releases/v1.37/proposed/2140.yaml": receipt("proposed"),
            SCHEDULE: "enhancements-freeze: 2026-01-15\n",
        }
    ),
    "missing-implementation-prs": Example({SCHEDULE: "code-freeze: 2026-01-20\n"}),
    "missing-docs-prs": Example({SCHEDULE: "docs-pr-deadline: 2026-01-20\n"}),
    "illegal-transition": Example(
        {ACCEPTED: None, "releases/v1.37/removed/2140.yaml": receipt("removed")},
        change={"releases/v1.37/removed/2140.yaml": None, ACCEPTED: RECEIPT},
    ),
    "receipt-deleted": Example({}, change={ACCEPTED: None}),
    "release-changed": Example(
        {"releases/v1.38/OWNERS": "approvers:\n  - lead\n"},
        change={ACCEPTED: None, "releases/v1.38/accepted/2140.yaml": RECEIPT},
    ),
    "opt-in-after-freeze": Example(
        {ACCEPTED: None, SCHEDULE: "enhancements-freeze: 2026-01-15\n"},
        change={"releases/v1.37/proposed/2140.yaml": receipt("proposed")},
    ),
    "release-closed": Example(
        {SCHEDULE: "release: 2026-01-20\n"}, change={ACCEPTED: RECEIPT + "docs-prs: []\n"}
    ),
    "exception-edited": Example(
        {ACCEPTED: None, "releases/v1.37/at-risk/2140.yaml": receipt("at-risk", EXCEPTION)},
        change={"releases/v1.37/at-risk/2140.yaml": receipt("at-risk", EXCEPTION.replace("5", "15"))},
    ),
    "team-approval": Example(
        {ACCEPTED: None, "releases/v1.37/proposed/2140.yaml": receipt("proposed")},
        change={"releases/v1.37/proposed/2140.yaml": None, ACCEPTED: RECEIPT},
        author="octocat",
    ),
    "config-schema": Example({}, change={".receipt-lint.yaml": "ignore: [kep-valeu]\n"}),
    "decided-after-freeze": Example(
        {
            ACCEPTED: None,
            "releases/v1.37/proposed/2140.yaml": receipt("proposed"),
            SCHEDULE: "enhancements-freeze: 2026-01-15\n",
        },
        change={"releases/v1.37/proposed/2140.yaml": None, ACCEPTED: RECEIPT},
    ),
    "exception-early": Example(
        {
            ACCEPTED: None,
            "releases/v1.37/at-risk/2140.yaml": receipt("at-risk"),
            SCHEDULE: "code-freeze: 2026-03-19\n",
        },
        change={
            "releases/v1.37/at-risk/2140.yaml": None,
            "releases/v1.37/exception/2140.yaml": receipt("exception", EXCEPTION),
        },
    ),
    "at-risk-after-freeze": Example(
        {
            ACCEPTED: None,
            "releases/v1.37/at-risk/2140.yaml": receipt("at-risk"),
            SCHEDULE: "code-freeze: 2026-01-20\n",
        }
    ),
}


def write(root: Path, files: Files) -> None:
    for path, text in files.items():
        target = root / path
        if text is None:
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def commit(root: Path, message: str) -> None:
    run = ["git", "-C", str(root), "-c", "user.name=docs", "-c", "user.email=docs@example.invalid"]
    subprocess.run([*run, "add", "-A"], check=True)
    subprocess.run([*run, "commit", "-q", "--allow-empty", "-m", message], check=True)


def findings_of(example: Example, root: Path) -> tuple[Finding, ...]:
    write(root, base() | example.files)
    options = Options(now=NOW)
    if example.change is None:
        return check_all(WorkTree(root), options).findings
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    commit(root, "base")
    write(root, example.change)
    commit(root, "change")
    repo = git.open_repo(root)
    ids = git.resolve_commits(repo, {"base": "HEAD~1", "head": "HEAD"})
    changed = commits.changed_paths(repo, ids["base"], ids["head"], staged=False)
    trees = (commits.CommitTree(repo, ids["base"]), commits.CommitTree(repo, ids["head"]))
    return check_change(Change(*trees, changed, author=example.author), options).findings


def example_finding(rule: Rule) -> str:
    """The first finding of ``rule`` on its example repository, as `check` prints it."""
    with tempfile.TemporaryDirectory(prefix="receipt-lint-docs-") as scratch:
        found = [f for f in findings_of(EXAMPLES[rule.id], Path(scratch)) if f.rule == rule.id]
    if not found:
        raise SystemExit(f"gen_docs: the example for {rule.id} produces no {rule.id} finding: fix EXAMPLES")
    return format_finding(found[0])


def severity_text(rule: Rule) -> str:
    return SEVERITY_NOTES.get(rule.id) or rule.severity.value


AGREEMENT_NOTE = " (an agreement rule: a requirement of an active receipt of an open release)"
SCOPES = {
    "receipt": "each receipt the check looks at",
    "transition": "each move of a change (diff mode and history)",
    "tree": "the release folders",
    "config": "`.receipt-lint.yaml`, when a change edits it",
}


def rule_page(rule: Rule) -> str:
    """A ruff-style page: the summary, severity, then What it does / Why / How to fix, and an example."""
    lines = rule.doc.splitlines()
    body = "\n".join(lines[1:]).strip()
    for section in ("What it does", "Why", "How to fix"):
        body = re.sub(
            rf"(?m)^{section}:\s*(\S)", lambda m, s=section: f"## {s}\n\n{m[1].upper()}", body, count=1
        )
    body = "\n".join(line.rstrip() for line in body.splitlines())
    body = _blank_lines_around_lists(body)
    while "\n\n\n" in body:
        body = body.replace("\n\n\n", "\n\n")
    return (
        f"# `{rule.id}`\n\n{lines[0]}\n\n"
        f"- **Default severity:** {severity_text(rule)}\n"
        f"- **Checked on:** {SCOPES[rule.scope]}{AGREEMENT_NOTE if rule.agreement else ''}\n\n"
        f"{body}\n\n## Example\n\n```\n{example_finding(rule)}\n```\n\n"
        f"`receipt-lint explain {rule.id}` prints this page's text; "
        f"`--ignore {rule.id}` or `.receipt-lint.yaml` switches it off.\n"
    )


def _blank_lines_around_lists(text: str) -> str:
    """A docstring's list as Markdown reads it: a blank line before the list and after it."""
    out: list[str] = []
    in_list = False
    for line in text.splitlines():
        item = line.startswith("- ")
        if item and not in_list and out and out[-1]:
            out.append("")
        if not item and in_list and line and not line.startswith(" "):
            out.append("")
        in_list = item or (in_list and line.startswith(" "))
        out.append(line)
    return "\n".join(out)


def rules_index() -> str:
    intro = (ROOT / "hack/docs_rules_intro.md").read_text()
    bar = "|"
    rows = "".join(
        f"| [`{rule.id}`]({rule.id}.md) | {severity_text(rule)} | {rule.summary.replace(bar, '&#124;')} |\n"
        for rule in ALL_RULES
    )
    return f"{intro.rstrip()}\n\n| rule | default severity | what it catches |\n|---|---|---|\n{rows}"


def cli_page() -> str:
    parser = build_parser()
    out = [
        "# Command-line reference\n",
        "Generated from the argument parser (`python3 hack/gen_docs.py`); the same text as each "
        "command's `--help`. Exit codes, for every command: **0** ran, no errors; **1** ran, "
        "errors found (or a refused move); **2** could not run (one line on stderr says what to do).\n",
        "```\n" + _help(parser) + "```\n",
    ]
    for name, sub in _subcommands(parser):
        out.append(f"## `receipt-lint {name}`\n")
        out.append("```\n" + _help(sub) + "```\n")
    return "\n".join(out)


def _help(parser: argparse.ArgumentParser) -> str:
    # A fixed width: the page must not depend on the terminal that built it.
    formatter = parser.formatter_class
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=100)  # type: ignore[assignment,misc]
    text = parser.format_help()
    parser.formatter_class = formatter
    return text


def _subcommands(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> list[tuple[str, argparse.ArgumentParser]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((prefix + name, sub))
                found.extend(_subcommands(sub, f"{prefix}{name} "))
    return found


def pages() -> dict[Path, str]:
    generated = {ROOT / "docs/rules" / f"{rule.id}.md": rule_page(rule) for rule in ALL_RULES}
    generated[ROOT / "docs/rules/index.md"] = rules_index()
    generated[ROOT / "docs/cli.md"] = cli_page()
    return generated


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, text in pages().items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        if check:
            stale.append(path.relative_to(ROOT).as_posix())
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    known = {path.name for path in pages()}
    leftover = sorted(
        p.relative_to(ROOT).as_posix() for p in (ROOT / "docs/rules").glob("*.md") if p.name not in known
    )
    if check and (stale or leftover):
        said: Callable[[list[str]], str] = ", ".join
        print(f"gen_docs: stale {said(stale + leftover)}: run python3 hack/gen_docs.py", file=sys.stderr)
        return 1
    for path in leftover:
        (ROOT / path).unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
