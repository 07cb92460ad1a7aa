"""``check --fix``: the mechanical fixes that need no judgement, as byte-exact edits.

- ``status-mismatch``: ``tracking-status`` set to the state folder the receipt is in;
- ``kep-mismatch`` of ``title`` or ``owning-sig``: kep.yaml's value copied into the receipt;
- ``kep-value`` for a milestone written without ``v``: ``1.37`` becomes ``"v1.37"`` in kep.yaml.

Each fix is re-derived from the files, not parsed out of a message, and is
written only when the edited file still reads back with the new value.
Everything else stays a finding: a person decides it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from receipt_lint.edit import EditError, set_value
from receipt_lint.findings import Finding
from receipt_lint.layout import ReceiptFile, classify, kep_path_problem
from receipt_lint.loader import YamlError, load
from receipt_lint.names import STAGES
from receipt_lint.snapshot import Snapshot
from receipt_lint.tree import WorkTree
from receipt_lint.versions import parse_milestone

FIXABLE = frozenset({"status-mismatch", "kep-mismatch", "kep-value"})
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


def fix(root: Path, findings: Iterable[Finding]) -> list[Fixed]:
    """Apply every mechanical fix the findings call for; return what was changed."""
    snapshot = Snapshot(WorkTree(root))
    planned: dict[str, dict[tuple[str, ...], Edit]] = {}
    for finding in findings:
        if finding.rule in FIXABLE:
            for edit in _edits(snapshot, finding):
                planned.setdefault(edit.path, {})[edit.key] = edit
    fixed: list[Fixed] = []
    for path, edits in sorted(planned.items()):
        fixed.extend(_apply(root, path, list(edits.values())))
    return fixed


def _edits(snapshot: Snapshot, finding: Finding) -> Iterator[Edit]:
    placed = classify(finding.path) if finding.path.startswith("releases/") else None
    if finding.rule == "status-mismatch" and isinstance(placed, ReceiptFile):
        yield Edit(finding.path, ("tracking-status",), placed.state, "", finding.line)
    elif finding.rule == "kep-mismatch" and isinstance(placed, ReceiptFile):
        yield from _copied_from_kep(snapshot, finding.path)
    elif finding.rule == "kep-value" and finding.path.endswith("/kep.yaml"):
        yield from _milestones_with_v(snapshot, finding.path)


def _copied_from_kep(snapshot: Snapshot, path: str) -> Iterator[Edit]:
    loaded = snapshot.receipt(path)
    receipt = loaded.model
    if receipt is None or loaded.document is None or kep_path_problem(receipt.path) is not None:
        return
    kep = snapshot.kep(receipt.path).model
    if kep is None:
        return
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
    return "" if value and set(value) <= _PLAIN_SAFE and value[0].isalnum() else '"'


def _apply(root: Path, path: str, edits: list[Edit]) -> Iterator[Fixed]:
    """Edit one file; write it only if every edited key reads back as intended."""
    target = root / path
    try:
        text = original = target.read_bytes().decode("utf-8")
        for edit in edits:
            text = set_value(text, edit.key, edit.value, quote=edit.quote, restyle=bool(edit.quote))
        data = load(text.encode("utf-8")).data
    except (OSError, UnicodeDecodeError, EditError, YamlError):
        return  # left as a finding: the file needs a person
    if any(_read_back(data, edit.key) != edit.value for edit in edits) or text == original:
        return
    target.write_bytes(text.encode("utf-8"))
    for edit in edits:
        yield Fixed(path, edit.line, ".".join(edit.key))


def _read_back(data: object, key: tuple[str, ...]) -> object:
    for part in key:
        data = data.get(part) if isinstance(data, dict) else None
    return data
