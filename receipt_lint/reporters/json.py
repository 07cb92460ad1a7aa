"""The JSON document of the CLI contract (version 1)."""

from __future__ import annotations

import json
from typing import Any, TextIO

from receipt_lint.engine.check import Result
from receipt_lint.model.findings import Severity


def report(result: Result, stream: TextIO, *, color: bool = False) -> None:
    json.dump(as_dict(result), stream, indent=2)
    stream.write("\n")


def as_dict(result: Result) -> dict[str, Any]:
    return {
        "version": 1,
        "base": result.base,
        "head": result.head,
        "transitions": [
            {
                "release": t.release,
                "kep": t.kep,
                "from": t.from_state,
                "to": t.to_state,
                "path": t.path,
                "legal": t.legal,
                **({"from_release": t.from_release} if t.from_release else {}),
            }
            for t in result.transitions
        ],
        "diagnostics": [
            {
                "rule": f.rule,
                "severity": f.severity.value,
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "message": f.message,
            }
            for f in result.findings
        ],
        "summary": {
            "errors": result.count(Severity.ERROR),
            "warnings": result.count(Severity.WARNING),
            "notices": result.count(Severity.NOTICE),
            "receipts_checked": result.receipts_checked,
        },
    }
