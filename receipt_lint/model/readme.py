"""A KEP document's readiness for a stage (design doc section 8): a line-based Markdown reader.

What the enhancements team reads by hand at enhancements freeze: the required
sections, a filled Test Plan and Graduation Criteria, the latest template's
test-plan box, and the production readiness questions the template requires
for the stage, each answered.

The reading, exactly as section 8 says: HTML comments go first (across
lines; ``<!-->`` and ``<!--->`` are whole, empty comments, as in CommonMark
0.31); headings are ATX lines (``#`` to ``######``, indented by at most three
spaces) outside fenced code; the questionnaire's sections are looked for
inside the Production Readiness Review Questionnaire only; a
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

_FENCE = re.compile(r"[ \t]*(?:(?:[-*+]|[0-9]+[.)])[ \t]+)*(`{3,}|~{3,})")
# "[x]", "[X]", and "[ x ]" as some real READMEs write it; "[ ]" is unchecked.
# "I understand", as older copies of the template word it, too.
_BOX = re.compile(
    r"^[ \t]*(?:(?:[-*+]|[0-9]+[.)])[ \t]+)?\[[ \t]*([xX]?)[ \t]*\][ \t]*"
    r"I(?:/we)? understand the owners of the involved components",
    re.M,
)


class Heading(NamedTuple):
    level: int
    title: str  # as written
    key: str  # lower-case, trimmed, without "(Optional)"
    line: int  # 1-based, in the file as it is (comments removed keep their lines)
    start: int  # where its line starts in the text
    end: int  # where its line ends (the line break after it)


class Section(NamedTuple):
    heading: Heading
    body: str  # the text after its heading line, up to the next heading of the same or a higher level
    near: bool = False  # found by a heading one word off the title (section 8, rule 1)


class Gap(NamedTuple):
    section: str  # the section the gap is in (or the box)
    line: int  # its heading's line; 1 when it is missing
    what: str  # in words
    warning: bool = False  # a warning whatever the receipt's state (a heading one word off its title)


class Document(NamedTuple):
    headings: tuple[Heading, ...]
    text: str  # comments removed, line breaks kept

    def section(self, title: str, within: Section | None = None) -> Section | None:
        """The first section titled ``title`` (compared as section 8 says), inside ``within`` if given.

        With no heading of the exact title, the first whose words are the title's
        with one word missing or one added (``Production Readiness Questionnaire``)
        stands for it, marked ``near``.
        """
        key = _key(title)
        exact = next(
            (
                (i, h)
                for i, h in enumerate(self.headings)
                if h.key == key and (within is None or _inside(h, within))
            ),
            None,
        )
        found = exact or self._near(title, within)
        if found is None:
            return None
        index, heading = found
        later = (h.start for h in self.headings[index + 1 :] if h.level <= heading.level)
        return Section(heading, self.text[heading.end : next(later, len(self.text))], near=exact is None)

    def _near(self, title: str, within: Section | None) -> tuple[int, Heading] | None:
        """The first heading one word off ``title`` (asked only when no heading has the exact title)."""
        words = _words(title)
        return next(
            (
                (i, h)
                for i, h in enumerate(self.headings)
                if (within is None or _inside(h, within)) and _one_word_off(_words(h.key), words)
            ),
            None,
        )

    def after(self, heading: Heading) -> str:
        """The text between a heading and the next heading of any level."""
        index = self.headings.index(heading)
        following = self.headings[index + 1].start if index + 1 < len(self.headings) else len(self.text)
        return self.text[heading.end : following]


def _words(title: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", title.lower())


def _one_word_off(heading: list[str], title: list[str]) -> bool:
    """The heading's words are the title's with one word missing or one added (never an empty heading)."""
    if not heading or abs(len(heading) - len(title)) != 1:
        return False
    shorter, longer = (heading, title) if len(heading) < len(title) else (title, heading)
    return any(longer[:at] + longer[at + 1 :] == shorter for at in range(len(longer)))


def _inside(heading: Heading, section: Section) -> bool:
    return section.heading.end < heading.start <= section.heading.end + len(section.body)


def read(text: str) -> Document:
    """Headings outside fenced code, after HTML comments are removed.

    Only the lines that can be a heading or a fence are looked at, found with
    ``str.find`` (a real README has 1,000 lines and 100 such): the rest of the
    text is never split into lines.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.removeprefix("\ufeff")
    # A comment keeps its line breaks, so every line number stays the file's.
    text = _without_comments(text)
    headings = []
    fence: str | None = None
    number, counted = 1, 0
    for start in _candidate_lines(text):
        number += text.count("\n", counted, start)
        counted = start
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        line = text[start:end]
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened[1][0] == fence[0] and len(opened[1]) >= len(fence) and _closes(line, opened):
                fence = None
            continue
        if opened and not (opened[1][0] == "`" and "`" in line[opened.end() :]):
            # (a backtick fence's info string holds no backtick: ```code``` is inline code)
            fence = opened[1]
            continue
        unindented = line.lstrip(" ")
        if len(line) - len(unindented) > 3:
            continue
        level = len(unindented) - len(unindented.lstrip("#"))
        if 1 <= level <= 6 and (len(unindented) == level or unindented[level] in " \t"):
            title = _title(unindented[level:])
            headings.append(Heading(level, title, _key(title), number, start, end))
    return Document(tuple(headings), text)


def _without_comments(text: str) -> str:
    """``<!-- … -->`` removed, across lines, each line break kept (an unclosed one runs to the end)."""
    pieces: list[str] = []
    at = 0
    opened = text.find("<!--")
    while opened != -1:
        end = _comment_end(text, opened)
        pieces += (text[at:opened], "\n" * text.count("\n", opened, end))
        at = end
        opened = text.find("<!--", at)
    return "".join(pieces) + text[at:] if pieces else text


def _comment_end(text: str, opened: int) -> int:
    """Where the comment opened at ``opened`` ends: ``<!-->`` and ``<!--->`` are whole (empty) comments.

    As CommonMark 0.31 and GitHub read them; the real sig-node/4563 README has one.
    """
    after = opened + 4
    if text.startswith(">", after):
        return after + 1
    if text.startswith("->", after):
        return after + 2
    closed = text.find("-->", after)
    return len(text) if closed == -1 else closed + 3


# A heading may be indented by up to three spaces (CommonMark): lines that start so are candidates.
_HEADING_START = re.compile(r"^ {0,3}#", re.M)  # one pass in C over the text, not a find per indent


def _candidate_lines(text: str) -> list[int]:
    """Where each line that starts with ``#`` (after at most 3 spaces) or holds ````` or ``~~`` starts."""
    starts = {match.start() for match in _HEADING_START.finditer(text)}
    for mark in ("``", "~~"):
        found = text.find(mark)
        while found != -1:
            starts.add(text.rfind("\n", 0, found) + 1)
            line_end = text.find("\n", found)
            found = -1 if line_end == -1 else text.find(mark, line_end)
    return sorted(starts)


def _closes(line: str, opened: re.Match[str]) -> bool:
    """A closing fence has nothing after its run of backticks or tildes."""
    return not line[opened.end() :].strip()


def _title(rest: str) -> str:
    """An ATX heading's text: trimmed, without a closing run of ``#`` (one after a space)."""
    text = rest.strip()
    closing = text.rstrip("#")
    if closing != text and (not closing or closing[-1] in " \t"):
        text = closing.rstrip()
    return text


def _key(title: str) -> str:
    key = title.strip().lower()
    return key[: -len("(optional)")].rstrip() if key.endswith("(optional)") else key


def gaps(document: Document, stage: str) -> list[Gap]:
    """Every gap between the document and what the stage requires, in the file's order."""
    found: list[Gap] = []
    for title in REQUIRED:
        section = document.section(title)
        found.extend(_near_title(section, title))
        if section is None:
            found.append(Gap(title, 1, f"the section {title} is missing"))
        elif title in FILLED and not _has_text(section):
            found.append(Gap(title, section.heading.line, f"{title} is empty"))
    found.extend(_test_plan_box(document))
    # The questionnaire's sections are looked for inside it only: a `### Dependencies` under
    # Design Details is not its Dependencies.  Without it, each is missing (and so is it).
    questionnaire = document.section("Production Readiness Review Questionnaire")
    for title in PRR_BY_STAGE.get(stage, ()):
        found.extend(_questions(document, title, stage, questionnaire))
    return sorted(found, key=lambda gap: gap.line)


_TEXT_LINE = re.compile(r"^(?!#{1,6}(?:[ \t]|$))[ \t]*\S", re.M)


def _has_text(section: Section) -> bool:
    """A line of text that is not a heading."""
    return _TEXT_LINE.search(section.body) is not None


def _test_plan_box(document: Document) -> list[Gap]:
    section = document.section("Test Plan")
    if section is None:
        return []  # the missing section is its own gap
    boxes = [box[1] for box in _BOX.finditer(section.body)]
    if any(boxes):  # any checked line of the box: an unchecked template copy above it does not matter
        return []
    if boxes:
        unchecked = (
            "the test-plan box ([x] I/we understand the owners of the involved components …) is not checked"
        )
        return [Gap("Test Plan", section.heading.line, unchecked)]
    return [
        Gap(
            "Test Plan",
            section.heading.line,
            "the test-plan box of the latest template is missing: the README is not on the latest template",
        )
    ]


def _questions(document: Document, title: str, stage: str, questionnaire: Section | None) -> list[Gap]:
    """A questionnaire section: present, and each ``######`` question answered before the next heading."""
    section = document.section(title, within=questionnaire) if questionnaire is not None else None
    if section is None:
        return [Gap(title, 1, f"the section {title}, which the template requires for {stage}, is missing")]
    return _near_title(section, title) + _unanswered(document, section, title)


def _near_title(section: Section | None, title: str) -> list[Gap]:
    """A heading one word off a required title counts, with a warning naming the template's title."""
    if section is None or not section.near:
        return []
    said = f'the heading "{section.heading.title}" stands for {title}: use the template\'s title'
    return [Gap(title, section.heading.line, said, warning=True)]


def _unanswered(document: Document, section: Section, title: str) -> list[Gap]:
    end = section.heading.end + len(section.body)
    questions = [h for h in document.headings if h.level == 6 and section.heading.end < h.start <= end]
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
            f"{title} leaves {len(unanswered)} of {len(questions)} "
            f"question{'' if len(questions) == 1 else 's'} unanswered: {listed}",
        )
    ]


def _answered(document: Document, question: Heading) -> bool:
    """A non-blank line between the question and the next heading."""
    return bool(document.after(question).strip())
