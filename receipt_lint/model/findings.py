"""Findings: the typed values every rule produces and every reporter consumes."""

from __future__ import annotations

import enum
from typing import NamedTuple

from receipt_lint.model.names import CONFIG_FILE


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"


class Position(NamedTuple):
    """A 1-based line and column (converted once, in the loader)."""

    line: int
    column: int


class Finding(NamedTuple):
    rule: str
    severity: Severity
    path: str
    message: str
    line: int | None = None
    column: int | None = None
    # The receipts the finding is about, when it sits on another file (a README gap, a
    # kep.yaml edit's finding): JUnit fails their test cases, the manifest marks them.
    receipts: tuple[str, ...] = ()

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line or 0, self.column or 0, self.rule)


_ESCAPES = {i: f"\\x{i:02x}" for i in range(32)} | {ord("\n"): "\\n", ord("\t"): "\\t", ord('"'): '\\"'}


def closest(word: str, choices: list[str], cutoff: float = 0.6) -> str | None:
    """The choice ``word`` was most likely meant to be (a typo), if any is close."""
    import difflib  # only when a word is wrong: a PR check need not load it

    found = difflib.get_close_matches(word, choices, n=1, cutoff=cutoff)
    return found[0] if found else None


def quoted(text: str) -> str:
    """``text`` in double quotes for a message, control characters made visible (``\\n``, ``\\x00``)."""
    return '"' + text.translate(_ESCAPES) + '"'


class ConfigProblem(NamedTuple):
    """One thing wrong with ``.receipt-lint.yaml``, at its place in the file."""

    message: str
    position: Position | None = None

    def text(self) -> str:
        where = f"{CONFIG_FILE}:{self.position.line}:{self.position.column}" if self.position else CONFIG_FILE
        return f"{where}: {self.message}"
