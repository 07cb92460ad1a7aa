"""One step of the history: a transition ``check`` would judge, with the commit that made it.

Its own module because both ``history`` (the report) and ``replay`` (which
makes steps) use it, and ``history`` imports ``replay``.
"""

from __future__ import annotations

from typing import NamedTuple

from receipt_lint.model.transitions import Transition
from receipt_lint.trees.log import Commit


class Step(NamedTuple):
    """One transition of the history, as section 9 describes it: check's transition, and when."""

    commit: Commit
    transition: Transition
    late: tuple[str, ...]  # the timing rules it broke
    rules: tuple[str, ...]  # every error-severity rule it broke
    exception: dict[str, object] | None
    warnings: tuple[str, ...] = ()  # the warning-severity timing rules: listed, no change to the exit

    @property
    def release(self) -> str:
        return self.transition.release

    @property
    def kep(self) -> str:
        return self.transition.kep

    @property
    def from_state(self) -> str | None:
        return self.transition.from_state

    @property
    def to_state(self) -> str | None:
        return self.transition.to_state

    @property
    def legal(self) -> bool:
        return self.transition.legal
