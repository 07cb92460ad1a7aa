"""JUnit XML for Prow's Spyglass: one testcase per checked receipt, a failure per error.

The test case is the receipt: a finding on another file that is about a receipt
(a README gap, a kep.yaml edit's finding) belongs to that receipt's test case
(design doc section 8).  Only findings about no receipt (layout, the rule
configuration) get a test case named by their own file.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TextIO
from xml.etree import ElementTree as ET

from receipt_lint.engine.check import Result
from receipt_lint.model.findings import Finding, Severity
from receipt_lint.reporters.text import format_finding

ARTIFACT_NAME = "junit_receipt-lint.xml"


def report(result: Result, stream: TextIO, *, color: bool = False) -> None:
    stream.write(render(result))


def render(result: Result) -> str:
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        for name in finding.receipts or (finding.path,):
            by_path[name].append(finding)
    for path in (*result.checked, *(t.path for t in result.transitions)):
        by_path.setdefault(path, [])  # a clean receipt is a passing testcase: Spyglass counts it
    errors = result.count(Severity.ERROR)
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="receipt-lint",
        tests=str(len(by_path) or 1),
        failures=str(sum(1 for fs in by_path.values() if _errors(fs))),
        errors="0",
    )
    for path, findings in sorted(by_path.items()):
        case = ET.SubElement(suite, "testcase", classname="receipt-lint", name=_clean(path))
        failing = _errors(findings)
        if failing:
            failure = ET.SubElement(case, "failure", message=_clean(failing[0].message), type=failing[0].rule)
            failure.text = _clean("\n".join(format_finding(f) for f in failing))
        others = [f for f in findings if f.severity is not Severity.ERROR]
        if others:
            ET.SubElement(case, "system-out").text = _clean("\n".join(format_finding(f) for f in others))
    if not by_path:
        ET.SubElement(suite, "testcase", classname="receipt-lint", name=f"{errors} errors")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def _clean(text: str) -> str:
    """What XML 1.0 can carry (its ``Char``): controls, U+FFFE and U+FFFF dropped.

    A lone surrogate stays: it is a file name's byte that is not UTF-8, and the
    report is written with backslash escapes for those (``\\udcff``).
    """
    return "".join(ch for ch in text if _xml_char(ord(ch)))


def _xml_char(code: int) -> bool:
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xFFFD or code >= 0x10000
