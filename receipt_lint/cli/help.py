"""Help about the rules and the formats: ``rules``, ``explain``, ``schema``; and ``demo``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from receipt_lint.cli.common import Parser, UsageError, quoted

if TYPE_CHECKING:
    pass


def add_help(commands: argparse._SubParsersAction[Parser]) -> None:
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
        from receipt_lint.model.findings import closest

        close = closest(args.rule, list(RULES_BY_ID))
        hint = f"did you mean {quoted(close)}? " if close else ""
        raise UsageError(f"no rule {quoted(args.rule)}: {hint}(`receipt-lint rules` lists them)")
    print(f"{rule.id} (default severity: {rule.severity.value})\n\n{rule.doc}")
    return 0



def run_schema(args: argparse.Namespace) -> int:
    from receipt_lint.model.schemas_dir import schema_text

    sys.stdout.write(schema_text(args.name))
    return 0



def run_demo(args: argparse.Namespace) -> int:
    from receipt_lint.workflow.demo import run

    return run(sys.stdout, keep=Path(args.keep) if args.keep else None)
