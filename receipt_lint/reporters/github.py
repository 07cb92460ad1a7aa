"""GitHub Actions: workflow-command annotations, plain log lines, and a step summary.

Escaping follows the Actions toolkit (core/src/command.ts): data escapes
``%``, CR and LF; properties also escape ``:`` and ``,``.  Repository text
(titles, file names) can therefore never start a workflow command of its own.
The runner shows only 10 annotations of a type per step, so errors go first,
every finding is also a plain log line, and the full table goes to
``$GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

import os
import secrets
from typing import TextIO

from receipt_lint.engine.check import Result
from receipt_lint.model.findings import Finding, Severity
from receipt_lint.reporters import UNDECODABLE, one_line
from receipt_lint.reporters.text import format_finding, summary, transition_lines

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "notice"}
_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTICE: 2}
MAX_MESSAGE = 4000  # the runner cuts at 4,096 characters


def defuse(text: str) -> str:
    """Break the runner's legacy ``##[command]`` marker, honoured anywhere in a line."""
    return text.replace("##[", "#\u200b#[")


def escape_data(text: str) -> str:
    return defuse(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    properties = {"file": finding.path, "title": f"receipt-lint {finding.rule}"}
    if finding.line is not None:
        properties["line"] = str(finding.line)
        properties["col"] = str(finding.column or 1)
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    message = escape_data(finding.message[:MAX_MESSAGE])
    return f"::{_COMMAND[finding.severity]} {rendered}::{message}"


def report(result: Result, stream: TextIO, *, color: bool = False) -> None:
    for finding in sorted(result.findings, key=lambda f: (_ORDER[f.severity], f.sort_key())):
        stream.write(annotation(finding) + "\n")
    # Plain log lines echo repository text: commands are off while they print.
    token = secrets.token_hex(16)
    stream.write(f"::stop-commands::{token}\n")
    for line in transition_lines(result):
        stream.write(defuse(line) + "\n")
    for finding in result.findings:
        stream.write(defuse(format_finding(finding)) + "\n")
    stream.write(summary(result) + "\n")
    stream.write(f"::{token}::\n")
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        with open(summary_path, "a", encoding="utf-8", errors=UNDECODABLE) as handle:
            handle.write(markdown(result))


def markdown(result: Result) -> str:
    lines = ["## receipt-lint", "", summary(result), ""]
    if result.transitions:
        lines += ["| release | KEP | from | to | legal |", "|---|---|---|---|---|"]
        lines += [
            f"| {t.where} | {t.kep} | {t.from_state or '(new)'} | {t.to_state or '(deleted)'} | "
            f"{'yes' if t.legal else '**no**'} |"
            for t in result.transitions
        ]
        lines.append("")
    if result.findings:
        lines += ["| severity | rule | where | message |", "|---|---|---|---|"]
        for f in result.findings:
            where = f.path + (f":{f.line}" if f.line else "")
            lines.append(f"| {f.severity.value} | `{f.rule}` | `{_cell(where)}` | {_cell(f.message)} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return one_line(text).replace("|", "\\|").replace("`", "'")
