"""A KEP document's readiness for a stage (design doc section 8): a line-based Markdown reader.

What the enhancements team reads by hand at enhancements freeze: the required
sections, a filled Test Plan and Graduation Criteria, the latest template's
test-plan box, and the production readiness questions the template requires
for the stage, each answered.

The reading, exactly as section 8 says: HTML comments go first (across
lines); headings are ATX lines (``#`` to ``######``) outside fenced code; a
fence opens with three or more backticks or tildes after indentation and list
markers, and closes with the same character at least as long; titles compare
case-insensitively, trimmed, without a trailing ``(Optional)``; a section runs
to the next heading of the same or a higher level.  Setext headings (a line
underlined with ``===``) do not count: the KEP template writes none.  One pass
over the lines: a 1 MB README takes milliseconds.
"""

from __future__ import annotations

import re
from typing import NamedTuple

REQUIRED = (
    "Release Signoff Checklist",
    "Test Plan",
    "Graduation Criteria",
    "Production Readiness Review Questionnaire",
    "Implementation History",
)
FILLED = ("Test Plan", "Graduation Criteria")
PRR_ALPHA = ("Feature Enablement and Rollback",)
PRR_BETA = (
    *PRR_ALPHA,
    "Rollout, Upgrade and Rollback Planning",
    "Monitoring Requirements",
    "Dependencies",
    "Scalability",
    "Troubleshooting",
)
# The questionnaire sections the template requires for each stage; a deprecation
# stage (deprecated, disabled, removed) has none of its own.
PRR_BY_STAGE = {"alpha": PRR_ALPHA, "beta": PRR_BETA, "stable": PRR_BETA}

_COMMENTS = re.compile(r"<!--.*?(-->|\Z)", re.S)
_HEADING = re.compile(r"(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$|(#{1,6})[ \t]*$")
_FENCE = re.compile(r"[ \t]*(?:(?:[-*+]|[0-9]+[.)])[ \t]+)*(`{3,}|~{3,})")
_OPTIONAL = re.compile(r"\s*\(optional\)\s*$", re.I)
# "[x]", "[X]", and "[ x ]" as some real READMEs write it; "[ ]" is unchecked.
_BOX = re.compile(
    r"[ \t]*(?:[-*][ \t]+)?\[[ \t]*([xX]?)[ \t]*\][ \t]*"
    r"I/we understand the owners of the involved components"
)


class Heading(NamedTuple):
    level: int
    title: str  # as written
    key: str  # lower-case, trimmed, without "(Optional)"
    line: int  # 1-based, in the file as it is (comments removed keep their lines)


class Section(NamedTuple):
    heading: Heading
    end: int  # the line before the next heading of the same or a higher level (1-based, inclusive)
    lines: tuple[str, ...]  # the whole document's lines

    @property
    def body(self) -> tuple[str, ...]:
        return self.lines[self.heading.line : self.end]


class Gap(NamedTuple):
    section: str  # the section the gap is in (or the box)
    line: int  # its heading's line; 1 when it is missing
    what: str  # in words


class Document(NamedTuple):
    headings: tuple[Heading, ...]
    lines: tuple[str, ...]  # comments removed, one per line of the file

    def section(self, title: str) -> Section | None:
        """The first section titled ``title`` (compared as section 8 says)."""
        key = _key(title)
        for index, heading in enumerate(self.headings):
            if heading.key == key:
                later = (h.line - 1 for h in self.headings[index + 1 :] if h.level <= heading.level)
                return Section(heading, next(later, len(self.lines)), self.lines)
        return None


def read(text: str) -> Document:
    """Headings outside fenced code, after HTML comments are removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")
    # A comment keeps its line breaks, so every line number stays the file's.
    text = _COMMENTS.sub(lambda match: "\n" * match[0].count("\n"), text)
    lines = text.split("\n")
    headings = []
    fence: str | None = None
    # Most lines are neither a heading nor a fence: a comprehension finds the few that may be.
    candidates = [
        n for n, line in enumerate(lines, start=1) if line[:1] == "#" or "``" in line or "~~" in line
    ]
    for number in candidates:
        line = lines[number - 1]
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened[1][0] == fence[0] and len(opened[1]) >= len(fence) and _closes(line, opened):
                fence = None
            continue
        if opened:
            fence = opened[1]
            continue
        heading = _HEADING.fullmatch(line)
        if heading:
            marks = heading[1] or heading[3]
            title = (heading[2] or "").strip()
            headings.append(Heading(len(marks), title, _key(title), number))
    return Document(tuple(headings), tuple(lines))


def _closes(line: str, opened: re.Match[str]) -> bool:
    """A closing fence has nothing after its run of backticks or tildes."""
    return not line[opened.end() :].strip()


def _key(title: str) -> str:
    return _OPTIONAL.sub("", title).strip().lower()


def gaps(document: Document, stage: str) -> list[Gap]:
    """Every gap between the document and what the stage requires, in the file's order."""
    found: list[Gap] = []
    for title in REQUIRED:
        section = document.section(title)
        if section is None:
            found.append(Gap(title, 1, f"the section {title} is missing"))
        elif title in FILLED and not _has_text(section):
            found.append(Gap(title, section.heading.line, f"{title} is empty"))
    found.extend(_test_plan_box(document))
    for title in PRR_BY_STAGE.get(stage, ()):
        found.extend(_questions(document, title, stage))
    return sorted(found, key=lambda gap: gap.line)


def _has_text(section: Section) -> bool:
    return any(text.strip() and not _HEADING.fullmatch(text) for text in section.body)


def _test_plan_box(document: Document) -> list[Gap]:
    section = document.section("Test Plan")
    if section is None:
        return []  # the missing section is its own gap
    for text in section.body:
        box = _BOX.match(text)
        if box:
            if box[1]:
                return []
            return [
                Gap(
                    "Test Plan",
                    section.heading.line,
                    "the test-plan box ([x] I/we understand the owners "
                    "of the involved components …) is not checked",
                )
            ]
    return [
        Gap(
            "Test Plan",
            section.heading.line,
            "the test-plan box of the latest template is missing: the README is not on the latest template",
        )
    ]


def _questions(document: Document, title: str, stage: str) -> list[Gap]:
    """A questionnaire section: present, and each ``######`` question answered before the next heading."""
    section = document.section(title)
    if section is None:
        return [Gap(title, 1, f"the section {title}, which the template requires for {stage}, is missing")]
    questions = [
        h for h in document.headings if h.level == 6 and section.heading.line < h.line <= section.end
    ]
    if not questions:
        return [] if _has_text(section) else [Gap(title, section.heading.line, f"{title} is empty")]
    unanswered = [q.title for q in questions if not _answered(document, q)]
    if not unanswered:
        return []
    listed = "; ".join(unanswered)
    return [
        Gap(
            title,
            section.heading.line,
            f"{title} leaves {len(unanswered)} of {len(questions)} questions unanswered: {listed}",
        )
    ]


def _answered(document: Document, question: Heading) -> bool:
    """A non-blank line between the question and the next heading."""
    following = (h.line for h in document.headings if h.line > question.line)
    end = next(following, len(document.lines) + 1)
    return any(line.strip() for line in document.lines[question.line : end - 1])
