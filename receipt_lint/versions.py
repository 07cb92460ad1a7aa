"""Release names and milestones, compared as versions."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

RELEASE_NAME = re.compile(r"v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
_MILESTONE = re.compile(r"\s*(v?)([0-9]+)\.([0-9]+)\s*")
NOT_TARGETING = "0.0"  # upstream's latest-milestone marker for "no release"


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int

    def __str__(self) -> str:
        return f"v{self.major}.{self.minor}"


@dataclass(frozen=True)
class Milestone:
    version: Version
    has_v: bool


# Both parsers are cached: a check asks about the same few dozen texts
# thousands of times, and frozen dataclasses are slow to build.
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
