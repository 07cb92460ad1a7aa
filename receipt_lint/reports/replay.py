"""Replay: judge each first-parent commit's transitions exactly as ``check`` does (design doc section 9).

``git log --first-parent --raw`` gives, for every commit that touched
``releases/``, the blobs it changed there, each against its first parent.  The
``releases/`` tree is kept in memory and moved forward commit by commit, so no
step runs git again; blobs are read (one ``cat-file --batch`` process) only
where a step needs their content: the receipts it changed, and the schedule
and OWNERS files its transitions are judged by.  Each step's transitions are
reconstructed by ``diff.judge_transitions``, the check's own pairing.

This module imports the rules and the models; ``history`` imports it only for
the commits its cache does not hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from receipt_lint.engine.diff import judge_transitions
from receipt_lint.model.files import MAX_BYTES, MissingFile
from receipt_lint.model.layout import RELEASES
from receipt_lint.reports.step import Step
from receipt_lint.rules.base import Pairing
from receipt_lint.trees.commits import CommitTree, Entry, MissingObject, read_blob
from receipt_lint.trees.git import Repo
from receipt_lint.trees.log import Commit
from receipt_lint.trees.snapshot import Loaded, ModelT, Snapshot, load_model

TIMING_RULES = ("opt-in-after-freeze", "release-closed")  # errors: `late`, and history exits 1
TIMING_WARNINGS = ("decided-after-freeze", "exception-early")  # listed in `warnings`; no change to the exit


class ReleasesTree:
    """``releases/`` of one commit, in memory: release folder -> path -> (mode, blob).

    Only ``releases/`` is known; any other path reads as missing, which is all
    the transition rules need (they read receipts, schedules and OWNERS).
    """

    def __init__(
        self,
        repo: Repo,
        label: str,
        folders: dict[str, dict[str, Entry]],
        blobs: dict[str, bytes],
        missing: set[str] | None = None,
    ) -> None:
        self.repo = repo
        self.label = label
        self.folders = folders
        self._blobs = blobs  # shared by every step: a blob is read once however often it is asked for
        self.missing = set() if missing is None else missing  # shared too: blobs this clone lacks
        self._sorted: dict[str, list[str]] = {}  # a folder's paths, sorted; carried over while unchanged

    def moved_on(self, commit: Commit) -> ReleasesTree:
        """This tree with ``commit``'s changes applied; only the folders it touched are copied."""
        folders = dict(self.folders)
        for path, entry in commit.changes:
            folder = _folder(path)
            if folders.get(folder) is self.folders.get(folder):
                folders[folder] = dict(self.folders.get(folder, {}))
            if entry is None:
                folders[folder].pop(path, None)
            else:
                folders[folder][path] = entry
        moved = ReleasesTree(self.repo, commit.sha, folders, self._blobs, self.missing)
        moved._sorted = {
            name: paths for name, paths in self._sorted.items() if folders[name] is self.folders[name]
        }
        return moved

    def entry(self, path: str) -> Entry | None:
        return self.folders.get(_folder(path), {}).get(path)

    def read(self, path: str, limit: int = MAX_BYTES) -> bytes:
        entry = self.entry(path)
        if entry is None:
            raise MissingFile(f"{path} does not exist")
        content = self._blobs.get(entry[1])
        if content is None:
            try:
                content = self._blobs[entry[1]] = read_blob(self.repo, path, *entry, limit=limit)
            except MissingObject:
                self.missing.add(entry[1])
                raise
        return content

    def exists(self, path: str) -> bool:
        return self.entry(path) is not None

    def files_under(self, prefix: str) -> list[str]:
        if prefix == RELEASES:
            return sorted(path for folder in self.folders.values() for path in folder)
        name = _folder(prefix + "/x")
        paths = self._sorted.get(name)
        if paths is None:
            paths = self._sorted[name] = sorted(self.folders.get(name, {}))
        if prefix == f"{RELEASES}/{name}":
            return paths
        return [path for path in paths if path.startswith(prefix + "/")]


def _folder(path: str) -> str:
    """The release folder a path under releases/ belongs to ("" for files at the top)."""
    parts = path.split("/", 2)
    return parts[1] if len(parts) > 2 else ""


class Replayed(NamedTuple):
    steps: list[Step]
    # Every blob a step read was in this clone: the steps hold in any clone, and may be cached.
    complete: bool


def replay(
    repo: Repo, commits: list[Commit], blobs: dict[str, bytes], release: str | None = None
) -> Replayed:
    """Every transition of ``commits`` (a first-parent log, oldest first), each judged against its parent.

    ``blobs`` holds the blobs the commits add (``log.added_blobs``); any
    other blob a step needs is read when it is asked for.
    """
    start = commits[0].parent if commits else None
    tree = ReleasesTree(repo, start or "", _listing(repo, start), blobs)
    loaded: dict[tuple[str, str, str], Loaded[Any]] = {}
    before = BlobSnapshot(tree, shared=loaded)
    steps: list[Step] = []
    for commit in commits:
        tree = tree.moved_on(commit)
        after = BlobSnapshot(tree, shared=loaded)
        steps.extend(_steps(commit, before, after, release))
        before = after  # the next step's first parent
    return Replayed(steps, complete=not tree.missing)


@dataclass
class BlobSnapshot(Snapshot):
    """A snapshot whose documents are shared with every other step's, by blob id.

    A receipt untouched for a hundred commits is the same blob in each of
    them: it is parsed and validated once, not once per step.
    """

    shared: dict[tuple[str, str, str], Loaded[Any]] = field(default_factory=dict)

    def _get(self, path: str, model_class: type[ModelT]) -> Loaded[ModelT]:
        tree = self.tree
        entry = tree.entry(path) if isinstance(tree, ReleasesTree) else None
        if entry is None:
            return super()._get(path, model_class)
        key = (path, entry[1], model_class.__name__)
        found = self.shared.get(key)
        if found is None:
            found = self.shared[key] = load_model(tree, path, model_class)
        return found


def _steps(commit: Commit, before: Snapshot, after: Snapshot, release: str | None) -> Iterator[Step]:
    changed = frozenset(path for path, _ in commit.changes)
    for judged in judge_transitions(before, after, changed, commit.date, release=release):
        transition, findings = judged.transition, judged.findings
        errors = tuple(dict.fromkeys(f.rule for f in findings if f.severity.value == "error"))
        yield Step(
            commit,
            transition,
            tuple(rule for rule in errors if rule in TIMING_RULES),
            errors,
            _exception(judged.pairing, after, transition.from_state, transition.to_state),
            tuple(dict.fromkeys(f.rule for f in findings if f.rule in TIMING_WARNINGS)),
        )


def _exception(
    pairing: Pairing, after: Snapshot, origin: str | None, target: str | None
) -> dict[str, object] | None:
    """The request a move into exception/ carries, or the decision a move out of it records."""
    if target == "exception" and origin != "exception":
        head = pairing.head
        receipt = after.receipt(head.path).model if head is not None else None
        request = receipt.exception if receipt is not None else None
        if request is None:
            return {"freeze": None, "additional-days": None}
        return {"freeze": request.freeze, "additional-days": request.additional_days}
    if origin == "exception" and target in ("at-risk", "removed"):
        return {"decision": "granted" if target == "at-risk" else "denied"}
    return None


def _listing(repo: Repo, commit: str | None) -> dict[str, dict[str, Entry]]:
    """releases/ of the commit before the first step (empty before the root commit)."""
    folders: dict[str, dict[str, Entry]] = {}
    if commit is not None:
        for path, entry in CommitTree(repo, commit).entries_under(RELEASES).items():
            folders.setdefault(_folder(path), {})[path] = entry
    return folders
