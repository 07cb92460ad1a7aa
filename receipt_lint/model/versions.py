"""Release names and milestones, compared as versions."""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

RELEASE_NAME = re.compile(r"v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
_MILESTONE = re.compile(r"\s*(v?)([0-9]+)\.([0-9]+)\s*")
NOT_TARGETING = "0.0"  # upstream's latest-milestone marker for "no release"


class Version(NamedTuple):
    major: int
    minor: int

    def __str__(self) -> str:
        return f"v{self.major}.{self.minor}"


class Milestone(NamedTuple):
    version: Version
    has_v: bool


# Both parsers are cached: a check asks about the same few dozen texts
# thousands of times.
@functools.lru_cache(maxsize=4096)
def parse_release(name: str) -> Version | None:
    """``v1.37`` -> Version(1, 37); anything else -> None."""
    match = RELEASE_NAME.fullmatch(name)
    return Version(int(match[1]), int(match[2])) if match else None


@functools.lru_cache(maxsize=4096)
def parse_milestone(text: str | None) -> Milestone | None:
    """``v1.37`` or ``1.37`` -> a Milestone; empty or odd text -> None."""
    match = _MILESTONE.fullmatch(text or "")
    if match is None:
        return None
    return Milestone(Version(int(match[2]), int(match[3])), has_v=bool(match[1]))


_ASCII_NUMBER = re.compile(r"[0-9]+")


def ascii_number(text: str | None) -> int | None:
    """``"2140"`` -> 2140; anything but ASCII digits (``"4563²"``, ``" 4563 "``, ``"4563.0"``) -> None.

    ``str.isdigit`` says yes to superscripts and Arabic-Indic digits, which
    ``int`` then refuses or reads as another number.
    """
    return int(text) if text is not None and _ASCII_NUMBER.fullmatch(text) else None
