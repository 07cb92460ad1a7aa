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


def defused(text: str, format_name: str) -> str:
    """A whole report, with repository or GitHub text in it, made safe to print in a runner's log.

    The runner honours ``##[command]`` anywhere in a line: broken losslessly where the format
    allows (a JSON or html escape of ``#`` reads back the same), else with a zero-width space.
    A command must start a line: our lines start with our own words or JSON's indentation and a
    quote, and in html a title's own line break (kept by html.escape) is followed by ``&#58;``
    for a colon.  YAML is left as it is (an escape would change its data).
    """
    if format_name == "yaml":
        return text
    replacement = {"json": "\\u0023#[", "html": "&#35;#["}.get(format_name, "#\u200b#[")
    text = text.replace("##[", replacement)
    if format_name == "html":
        text = _LINE_START_COLON.sub(r"\1&#58;", text)
    return text


_LINE_START_COLON = re.compile(r"([\r\n][ \t]*):")
