"""Compiler-style lines: ``path:line:col: severity [rule] message``."""

from __future__ import annotations

from typing import TextIO

from receipt_lint.engine import Result
from receipt_lint.findings import Finding, Severity
from receipt_lint.reporters import one_line

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.NOTICE: "\x1b[36m"}
_RESET = "\x1b[0m"


def report(result: Result, stream: TextIO, *, color: bool = False) -> None:
    for transition in result.transitions:
        legal = "" if transition.legal else "  (illegal)"
        moved = f"{transition.from_state or '(new)'} -> {transition.to_state or '(deleted)'}"
        stream.write(f"{transition.release} KEP {transition.kep}: {moved}{legal}\n")
    for finding in result.findings:
        stream.write(format_finding(finding, color=color) + "\n")
    stream.write(summary(result) + "\n")


def format_finding(finding: Finding, *, color: bool = False) -> str:
    where = one_line(finding.path)
    if finding.line is not None:
        where += f":{finding.line}:{finding.column or 1}"
    severity = finding.severity.value
    if color:
        severity = f"{_COLORS[finding.severity]}{severity}{_RESET}"
    return f"{where}: {severity} [{finding.rule}] {one_line(finding.message)}"


def summary(result: Result) -> str:
    counts = ", ".join(
        _plural(result.count(severity), severity.value)
        for severity in (Severity.ERROR, Severity.WARNING, Severity.NOTICE)
    )
    return f"{counts} in {_plural(result.receipts_checked, 'receipt')} checked"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
