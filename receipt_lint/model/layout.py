"""Where things live under ``releases/`` (design doc section 1)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from receipt_lint.model.files import Tree, is_safe_relative
from receipt_lint.model.findings import closest, quoted
from receipt_lint.model.names import STATES
from receipt_lint.model.versions import parse_release

RELEASES = "releases"
_NUMBER_FILE = re.compile(r"([0-9]+)\.yaml")
# Files that may sit beside receipts; anything else under releases/ is an error.
_ROOT_FILES = frozenset({"OWNERS", "README.md"})
_RELEASE_FILES = frozenset({"OWNERS", "schedule.yaml", "README.md"})


class ReceiptFile(NamedTuple):
    """A path shaped ``releases/<release>/<state>/<number>.yaml``."""

    path: str
    release: str
    state: str
    number: int


class Misplaced(NamedTuple):
    path: str
    reason: str


def classify(path: str) -> ReceiptFile | Misplaced | None:
    """A receipt, a misplaced file, or None for a file that belongs where it is (under releases/)."""
    parts = path.split("/")[1:]
    if not parts:  # releases/ itself is a file or a symlink
        return Misplaced(path, "releases must be a folder of release folders, not a file or a symlink")
    if len(parts) == 1:
        return None if parts[0] in _ROOT_FILES else Misplaced(path, _expected("a release folder"))
    release = parts[0]
    if parse_release(release) is None:
        return Misplaced(path, f"{quoted(release)} is not a release name: use vMAJOR.MINOR, e.g. v1.37")
    if len(parts) == 2:
        allowed = ", ".join(sorted(_RELEASE_FILES))
        return None if parts[1] in _RELEASE_FILES else Misplaced(path, _expected(allowed))
    if len(parts) != 3 or parts[1] not in STATES:
        return Misplaced(path, _expected(f"a state folder ({', '.join(STATES)})"))
    return _receipt_file(path, release, parts[1], parts[2])


def receipt_files(paths: Iterable[str]) -> Iterator[ReceiptFile]:
    """The receipts among ``paths`` (misplaced and other files left out)."""
    for path in paths:
        placed = classify(path) if path.startswith(f"{RELEASES}/") else None
        if isinstance(placed, ReceiptFile):
            yield placed


def release_folder(path: str) -> str | None:
    """The release folder a path under releases/ sits in (``releases/<here>/...``), if any."""
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == RELEASES else None


def name_identity(path: str) -> tuple[str, int] | None:
    """(release, number) from a receipt path's shape alone; None if it is not shaped so."""
    parts = path.split("/")
    match = _NUMBER_FILE.fullmatch(parts[-1]) if len(parts) == 4 else None
    return (parts[1], int(match[1])) if match else None


def _receipt_file(path: str, release: str, state: str, name: str) -> ReceiptFile | Misplaced | None:
    if name == ".gitkeep":
        return None
    match = _NUMBER_FILE.fullmatch(name)
    if match is None:
        hint = " (rename .yml to .yaml)" if name.endswith(".yml") else ""
        return Misplaced(path, f"a receipt is named <kep-number>.yaml{hint}")
    return ReceiptFile(path, release, state, int(match[1]))


def _expected(what: str) -> str:
    return f"unexpected file under releases/: this place holds only {what}"


def kep_path_problem(path: str) -> str | None:
    """Why a receipt's ``path`` is not canonical (design doc section 2), or None when it is.

    Canonical means one spelling per folder: the same text finds the same
    kep.yaml in the working tree and in git, and never leaves ``keps/``.
    """
    if path.startswith("/") or path.endswith("/"):
        return "must not start or end with /"
    if not is_safe_relative(path):
        return "must not hold an empty, . or .. segment, a control character or a backslash"
    if path.split("/")[0] == "keps":
        return "is relative to keps/ already: drop the leading keps/"
    return None


class UnknownSig(ValueError):
    """``--sig`` names a group that neither a receipt nor ``keps/`` knows: a typo, said in one line."""


def require_sig(
    tree: Tree, sig: str | None, known: set[str], elsewhere: Callable[[], set[str]] = set
) -> None:
    """A SIG is known when a receipt names it or ``keps/`` has its folder (a SIG may have no receipt yet).

    ``elsewhere`` gives more names (every receipt's, say) and is asked only on the way to an error.
    """
    if sig is None or sig in known or ("/" not in sig and tree.files_under(f"keps/{sig}")):
        return
    known = known | elsewhere()
    if sig in known:
        return
    close = closest(sig, sorted(known))
    hint = f": did you mean {quoted(close)}?" if close else ""
    raise UnknownSig(f"--sig {quoted(sig)} is not a SIG any receipt or keps/ folder names{hint}")
