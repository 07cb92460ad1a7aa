"""SARIF 2.1.0 for GitHub code scanning; the rules array comes from the rule docs."""

from __future__ import annotations

import json
from typing import Any, TextIO
from urllib.parse import quote

from receipt_lint import __version__
from receipt_lint.engine.check import Result
from receipt_lint.model.findings import Finding, Severity
from receipt_lint.rules import ALL_RULES

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "note"}


def report(result: Result, stream: TextIO, *, color: bool = False) -> None:
    json.dump(document(result), stream, indent=2)
    stream.write("\n")


def document(result: Result) -> dict[str, Any]:
    rules = [
        {
            "id": rule.id,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.doc},
            "help": {"text": rule.doc},
            "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        }
        for rule in ALL_RULES
    ]
    driver = {"name": "receipt-lint", "version": __version__, "rules": rules}
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": [_result(f) for f in result.findings]}],
    }


def _result(finding: Finding) -> dict[str, Any]:
    # GitHub's upload rejects or misplaces a result without a region: line 1 when there is none.
    region = {"startLine": finding.line or 1, "startColumn": finding.column or 1}
    # A URI reference, percent-encoded (RFC 3986): "4563 copy.yaml" is "4563%20copy.yaml", and a
    # "%" in a name must not read as an escape of another file's name.
    uri = quote(finding.path, safe="/", errors="surrogateescape")
    location: dict[str, Any] = {"artifactLocation": {"uri": uri}, "region": region}
    return {
        "ruleId": finding.rule,
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": location}],
    }
