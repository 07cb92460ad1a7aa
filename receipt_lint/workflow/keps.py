"""Finding a KEP's folder: by the folder a user names, or by its number, as its kep.yaml writes it."""

from __future__ import annotations

import os
import re
from pathlib import Path

from receipt_lint.model.findings import quoted
from receipt_lint.model.layout import kep_path_problem
from receipt_lint.model.versions import ascii_number
from receipt_lint.trees.worktree import WorkTree
from receipt_lint.workflow.workspace import BadArgument, WorkflowError, Workspace


def kep_of(ws: Workspace, kep_ref: str) -> tuple[int, str]:
    """The KEP's number and folder; the number is the one its kep.yaml writes (else the folder's).

    ``kep_ref`` is a folder (``sig-node/2033-user-namespaces``), or a number as
    every other verb takes it (``2033``, or ``sig-node/2033``): then the folder
    is found as ``exception request`` finds it.
    """
    kep_path = kep_ref.strip("/").removeprefix("keps/")
    by_number = re.fullmatch(r"(?:[^/]+/)*([0-9]+)", kep_path)
    if by_number is not None and ascii_number(by_number[1]):
        number = int(by_number[1])
        return number, find_kep(ws, number)
    match = re.fullmatch(r"(?:[^/]+/)+([0-9]+)-[^/]+", kep_path)
    if match is None or kep_path_problem(kep_path) is not None:
        raise BadArgument(
            f"{quoted(kep_ref)} is not a KEP: give its folder (sig-node/1287-in-place-update) or its number"
        )
    if not WorkTree(ws.root).exists(f"keps/{kep_path}/kep.yaml"):
        hint = _folders_numbered(ws, int(match[1]))
        also = f": did you mean {' or '.join(hint)}?" if hint else ""
        raise BadArgument(f"there is no keps/{kep_path}/kep.yaml{also}")
    return _written_number(ws, kep_path) or int(match[1]), kep_path


def _written_number(ws: Workspace, kep_path: str) -> int | None:
    kep = ws.snapshot.kep(kep_path).model
    return ascii_number(kep.kep_number.strip()) if kep is not None else None


def find_kep(ws: Workspace, number: int) -> str:
    """The KEP folder whose kep.yaml is KEP ``number``: by the number it writes, else its folder's name.

    ``keps/sig-node/2043-pod-resource-concrete-assigments`` writes 1884: it is
    KEP 1884, and no folder named 1884-… exists.
    """
    found = []
    for kep_file in _kep_files(ws):
        kep_path = kep_file.parent.relative_to(ws.root / "keps").as_posix()
        named = re.match(r"([0-9]+)-", kep_file.parent.name)
        if str(number).encode() not in kep_file.read_bytes() and not (named and int(named[1]) == number):
            continue  # cheap: most kep.yaml files never mention the number
        written = _written_number(ws, kep_path)
        if (written or (int(named[1]) if named else None)) == number:
            found.append(kep_path)
    if not found:
        folders = [
            f"{path} (its kep.yaml says kep-number: {_written_number(ws, path)})"
            for path in _folders_numbered(ws, number)
        ]
        also = f"; the folder{'s' if len(folders) > 1 else ''} {', '.join(folders)}" if folders else ""
        raise BadArgument(
            f"there is no KEP {number} under keps/ (no kep.yaml says kep-number: {number}){also}"
        )
    if len(found) > 1:
        raise WorkflowError(
            f"{len(found)} KEPs are numbered {number}: {', '.join(found)}; give the folder, fix the duplicate"
        )
    return found[0]


def _kep_files(ws: Workspace) -> list[Path]:
    """Every keps/**/kep.yaml, following no symbolic link (nothing outside the repository is read)."""
    found = []
    for folder, subfolders, files in os.walk(ws.root / "keps"):
        subfolders.sort()
        if "kep.yaml" in files and not os.path.islink(os.path.join(folder, "kep.yaml")):
            found.append(Path(folder) / "kep.yaml")
    return sorted(found)


def _folders_numbered(ws: Workspace, number: int) -> list[str]:
    """KEP folders whose name starts with ``number-``: the suggestion for a mistyped slug."""
    keps = ws.root / "keps"
    return [
        file.parent.relative_to(keps).as_posix()
        for file in _kep_files(ws)
        if re.match(rf"0*{number}-", file.parent.name)
    ][:3]
