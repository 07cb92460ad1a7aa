"""The receipt state machine (design doc section 4), as data.

``None`` stands for "no receipt": a created receipt moves from None.  The same
tables drive ``check`` and the workflow commands.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Move = tuple[str | None, str]


class Transition(NamedTuple):
    """What one change did to one receipt: ``check`` reports them, ``history`` replays them."""

    release: str
    kep: str
    from_state: str | None
    to_state: str | None
    path: str
    legal: bool
    from_release: str | None = None  # set when a receipt moved from another release

    @property
    def where(self) -> str:
        """``v1.37``, or ``v1.37 -> v1.38`` for a move between releases."""
        return f"{self.from_release} -> {self.release}" if self.from_release else self.release


# Moves a KEP author makes in their own pull request.
AUTHOR_MOVES: frozenset[Move] = frozenset(
    {
        (None, "proposed"),  # opt in
        (None, "exception"),  # late opt-in: a request
        ("at-risk", "exception"),  # exception request at a freeze
        ("removed", "exception"),  # exception request after removal
    }
)
# Moves that belong to the release's enhancements team.
TEAM_MOVES: frozenset[Move] = frozenset(
    {
        ("proposed", "accepted"),
        ("proposed", "at-risk"),
        ("proposed", "removed"),
        ("accepted", "at-risk"),
        ("accepted", "removed"),
        ("at-risk", "accepted"),
        ("at-risk", "removed"),
        ("exception", "at-risk"),  # granted
        ("exception", "removed"),  # denied
    }
)
LEGAL: frozenset[Move] = AUTHOR_MOVES | TEAM_MOVES


def is_legal(from_state: str | None, to_state: str) -> bool:
    """Staying in place is legal; any other move must be in the table."""
    return from_state == to_state or (from_state, to_state) in LEGAL


def mover(from_state: str | None, to_state: str) -> Literal["author", "team"]:
    return "team" if (from_state, to_state) in TEAM_MOVES else "author"


def legal_targets(from_state: str | None) -> list[str]:
    return sorted(to for (origin, to) in LEGAL if origin == from_state)
