"""Compiler-style lines: ``path:line:col: severity [rule] message``."""

from __future__ import annotations

import os
from typing import TextIO

from receipt_lint.engine.check import Result
from receipt_lint.model.findings import Finding, Severity
from receipt_lint.reporters import one_line

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.NOTICE: "\x1b[36m"}
_RESET = "\x1b[0m"


def report(result: Result, stream: TextIO, *, color: bool = False) -> None:
    for line in transition_lines(result):
        stream.write(line + "\n")
    marked = under_prow()
    for finding in result.findings:
        stream.write(format_finding(finding, color=color, prow=marked) + "\n")
    stream.write(summary(result) + "\n")


def transition_lines(result: Result) -> list[str]:
    """``v1.37 KEP 2140: proposed -> accepted`` for each receipt the change touches."""
    lines = []
    for transition in result.transitions:
        legal = "" if transition.legal else "  (illegal)"
        moved = f"{transition.from_state or '(new)'} -> {transition.to_state or '(deleted)'}"
        lines.append(f"{transition.where} KEP {transition.kep}: {moved}{legal}")
    return lines


def under_prow() -> bool:
    """Prow sets PROW_JOB_ID in every job it decorates."""
    return bool(os.environ.get("PROW_JOB_ID"))


def format_finding(finding: Finding, *, color: bool = False, prow: bool = False) -> str:
    """``path:line:col: severity [rule] message``; under Prow an error line starts ``ERROR:``.

    Prow's build-log lens highlights lines matching its default pattern
    (kubernetes-sigs/prow, pkg/spyglass/lenses/buildlog/lens.go: ``timed
    out|ERROR:|(FAIL|Failure \\[)\\b|panic\\b|^E\\d{4} …``), and prow.k8s.io's own list
    has ``(Error|ERROR|error)s?:``; ``error [rule]`` matches neither.  The
    prefix is added only under Prow: elsewhere the line starts with the path,
    which editors and terminals turn into a link.
    """
    where = one_line(finding.path)
    if finding.line is not None:
        where += f":{finding.line}:{finding.column or 1}"
    severity = finding.severity.value
    if color:
        severity = f"{_COLORS[finding.severity]}{severity}{_RESET}"
    line = f"{where}: {severity} [{finding.rule}] {one_line(finding.message)}"
    return f"ERROR: {line}" if prow and finding.severity is Severity.ERROR else line


def summary(result: Result) -> str:
    counts = ", ".join(
        _plural(result.count(severity), severity.value)
        for severity in (Severity.ERROR, Severity.WARNING, Severity.NOTICE)
    )
    return f"{counts} in {_plural(result.receipts_checked, 'receipt')} checked"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
