"""``check --fix``: the mechanical fixes that need no judgement, as byte-exact edits.

- ``status-mismatch`` (and a ``tracking-status`` the schema refuses, ``atrisk``):
  ``tracking-status`` set to the state folder the receipt is in;
- ``kep-mismatch`` of ``title`` or ``owning-sig``: kep.yaml's value copied into the
  receipt, only from the kep.yaml that both the receipt's ``path`` and its
  ``kep-number`` name (when they disagree, which one is right is a judgement);
- ``kep-value`` for a milestone written without ``v``: ``1.37`` becomes ``"v1.37"`` in kep.yaml.

Each fix is re-derived from the files, not parsed out of a message, so the same
fixes are made whichever mode put the finding on which file (diff mode puts a
kep.yaml edit's ``kep-mismatch`` on the kep.yaml).  Each key is written only when
the edited file still reads back with the new value; a key that cannot be edited
is said, and the file's other fixes are still made.  A closed release's receipts
are final: they are not edited, and the command says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from receipt_lint.model.findings import Finding
from receipt_lint.model.layout import ReceiptFile, classify, kep_path_problem, receipt_files
from receipt_lint.model.loader import YamlError, load
from receipt_lint.model.names import ACTIVE_STATES, STAGES, STATES
from receipt_lint.model.versions import ascii_number, parse_milestone
from receipt_lint.rules.base import release_info
from receipt_lint.trees.snapshot import Snapshot
from receipt_lint.trees.worktree import WorkTree
from receipt_lint.workflow.edit import EditError, set_value

FIXABLE = frozenset({"status-mismatch", "kep-mismatch", "kep-value", "receipt-schema"})
_PLAIN_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.()/")


class Edit(NamedTuple):
    path: str
    key: tuple[str, ...]
    value: str
    quote: str  # the style a value needs ('"' when plain style cannot hold it)
    line: int | None


class Fixed(NamedTuple):
    path: str
    line: int | None
    key: str
    not_fixed: str = ""  # why this key was left for a person; empty when it was fixed


def fix(root: Path, findings: Iterable[Finding], now: dt.datetime) -> list[Fixed]:
    """Apply every mechanical fix the findings call for; return what was changed, and what was not."""
    snapshot = Snapshot(WorkTree(root))
    planned: dict[str, dict[tuple[str, ...], Edit]] = {}
    for finding in findings:
        if finding.rule in FIXABLE:
            for edit in _edits(snapshot, finding, now):
                planned.setdefault(edit.path, {})[edit.key] = edit
    fixed: list[Fixed] = []
    for path, edits in sorted(planned.items()):
        closed = _closed_release(snapshot, path, now)
        if closed:
            fixed.extend(Fixed(path, e.line, ".".join(e.key), closed) for e in edits.values())
            continue
        fixed.extend(_apply(root, path, list(edits.values())))
    return fixed


def _closed_release(snapshot: Snapshot, path: str, now: dt.datetime) -> str:
    """Why a receipt may not be edited: its release has shipped (design doc section 5)."""
    placed = classify(path) if path.startswith("releases/") else None
    if not isinstance(placed, ReceiptFile) or not release_info(snapshot, placed.release, now).closed:
        return ""
    return f"release {placed.release} has shipped: its receipts are final"


def _edits(snapshot: Snapshot, finding: Finding, now: dt.datetime) -> Iterator[Edit]:
    placed = classify(finding.path) if finding.path.startswith("releases/") else None
    if finding.rule in ("status-mismatch", "receipt-schema") and isinstance(placed, ReceiptFile):
        yield from _status_from_folder(snapshot, placed)
    elif finding.rule == "kep-mismatch" and isinstance(placed, ReceiptFile):
        yield from _copied_from_kep(snapshot, finding.path)
    elif finding.rule == "kep-mismatch" and finding.path.endswith("/kep.yaml"):
        for receipt in _receipts_of(snapshot, finding.path, now):
            yield from _copied_from_kep(snapshot, receipt)
    elif finding.rule == "kep-value" and finding.path.endswith("/kep.yaml"):
        yield from _milestones_with_v(snapshot, finding.path)


def _status_from_folder(snapshot: Snapshot, placed: ReceiptFile) -> Iterator[Edit]:
    """``tracking-status`` as its folder says, whatever it held (``atrisk``, ``Accepted``, a number)."""
    document = snapshot.receipt(placed.path).document
    if document is None or placed.state not in STATES:
        return
    key = ("tracking-status",)
    held = document.data.get(key[0])
    if held != placed.state and not isinstance(held, (dict, list)):
        yield Edit(placed.path, key, placed.state, "", document.position(key).line)


def _receipts_of(snapshot: Snapshot, kep_file: str, now: dt.datetime) -> list[str]:
    """The receipts whose ``path`` names this kep.yaml's folder and that must agree with it.

    Those ``check --all`` would report a ``kep-mismatch`` for: active receipts of
    open releases (section 6); a removed receipt, or a shipped release's, has
    rightly moved on.
    """
    kep_path = kep_file.removeprefix("keps/").removesuffix("/kep.yaml")
    agreeing = snapshot.memo(("agreeing-receipts", ""), lambda: _agreeing_receipts(snapshot, now))
    return agreeing.get(kep_path, [])


def _agreeing_receipts(snapshot: Snapshot, now: dt.datetime) -> dict[str, list[str]]:
    """KEP folder -> its active receipts of open releases: listed once for every kep.yaml a fix names."""
    found: dict[str, list[str]] = {}
    for file in receipt_files(snapshot.tree.files_under("releases")):
        if file.state not in ACTIVE_STATES or release_info(snapshot, file.release, now).closed:
            continue
        receipt = snapshot.receipt(file.path).model
        if receipt is not None:
            found.setdefault(receipt.path.strip("/"), []).append(file.path)
    return found


def _copied_from_kep(snapshot: Snapshot, path: str) -> Iterator[Edit]:
    loaded = snapshot.receipt(path)
    receipt = loaded.model
    if receipt is None or loaded.document is None or kep_path_problem(receipt.path) is not None:
        return
    kep = snapshot.kep(receipt.path).model
    if kep is None or ascii_number(kep.kep_number.strip()) != receipt.kep_number:
        return  # path and kep-number name different KEPs: which is right needs a person
    for key, ours, theirs in (
        ("title", receipt.title, kep.title),
        ("owning-sig", receipt.owning_sig, kep.owning_sig),
    ):
        if theirs.strip() != ours.strip():
            line = loaded.document.position((key,)).line
            yield Edit(path, (key,), theirs.strip(), _style(theirs.strip()), line)


def _milestones_with_v(snapshot: Snapshot, kep_file: str) -> Iterator[Edit]:
    loaded = snapshot.kep(kep_file.removeprefix("keps/").removesuffix("/kep.yaml"))
    kep, document = loaded.model, loaded.document
    if kep is None or document is None:
        return
    texts: dict[tuple[str, ...], str | None] = {("latest-milestone",): kep.latest_milestone}
    texts |= {("milestone", stage): kep.milestone_for(stage) for stage in STAGES}
    for key, text in texts.items():
        milestone = parse_milestone(text)
        if milestone is not None and not milestone.has_v:
            yield Edit(kep_file, key, str(milestone.version), '"', document.position(key).line)


def _style(value: str) -> str:
    """Plain when YAML reads the plain text back as that very string, else double quotes.

    ``yes``, ``123``, ``1.0``, ``0x1F``, ``null`` and ``2026-01-01`` are plain-safe
    characters that YAML 1.1 readers (PyYAML, the published schema's users)
    read as a boolean, a number, null or a date.
    """
    if not value or not set(value) <= _PLAIN_SAFE or not value[0].isalnum():
        return '"'
    import yaml  # a safe load of one scalar: what another YAML reader makes of it

    return "" if yaml.safe_load(value) == value else '"'


def _apply(root: Path, path: str, edits: list[Edit]) -> Iterator[Fixed]:
    """Edit one file key by key; write it with every key that reads back as intended.

    A key that cannot be edited safely (a folded ``title: >-``) is reported and
    skipped; the file's other fixes are still made.
    """
    target = root / path
    try:
        text = original = target.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        yield from (Fixed(path, e.line, ".".join(e.key), f"cannot read the file: {error}") for e in edits)
        return
    results = []
    for edit in edits:
        edited, why = _one_edit(text, edit)
        text = edited if not why else text
        results.append(Fixed(path, edit.line, ".".join(edit.key), why))
    if text != original:
        target.write_bytes(text.encode("utf-8"))
    yield from results


def _one_edit(text: str, edit: Edit) -> tuple[str, str]:
    """``text`` with ``edit`` made, or the reason it cannot be made (then ``text`` is unchanged)."""
    try:
        edited = set_value(text, edit.key, edit.value, quote=edit.quote, restyle=bool(edit.quote))
        data = load(edited.encode("utf-8")).data
    except EditError as error:
        return text, str(error)
    except YamlError as error:
        return text, f"the edit would not read back ({error.message}): edit it by hand"
    if _read_back(data, edit.key) != edit.value:
        return text, "the edit would not read back as intended: edit it by hand"
    return edited, ""


def _read_back(data: object, key: tuple[str, ...]) -> object:
    for part in key:
        data = data.get(part) if isinstance(data, dict) else None
    return data
