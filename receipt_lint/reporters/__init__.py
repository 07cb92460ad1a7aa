"""Reporters: each formats a whole Result onto a stream."""

from __future__ import annotations

import re

# A file name git hands over that is not UTF-8 reaches us with surrogate escapes:
# written out, it shows as \udcff rather than stopping the report.
UNDECODABLE = "backslashreplace"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(text: str) -> str:
    """Repository text (titles, paths) can hold newlines; a log line must not."""
    return _CONTROL.sub(lambda match: repr(match[0])[1:-1], text)


def markdown_cell(text: str) -> str:
    """Repository text in a Markdown table cell: one line, no column break, no HTML of its own."""
    escaped = one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("|", "\\|")
