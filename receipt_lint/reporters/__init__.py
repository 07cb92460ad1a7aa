"""Reporters: each formats a whole Result onto a stream."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def one_line(text: str) -> str:
    """Repository text (titles, paths) can hold newlines; a log line must not."""
    return _CONTROL.sub(lambda match: repr(match[0])[1:-1], text)
