"""The audit trail: replay the first-parent history of ``releases/`` (design doc section 9).

One ``git log --first-parent --raw`` pass gives, for every commit that touched
``releases/``, the blobs it changed there, each against its first parent.  The
``releases/`` tree is kept in memory and moved forward commit by commit, so no
step runs git again; blobs are read (one ``cat-file --batch`` process) only
where a step needs their content: the receipts it changed, and the schedule
and OWNERS files its transitions are judged by.  Each step's transitions are
reconstructed by ``diff.judge_transitions``, exactly as ``check`` does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from receipt_lint.diff import judge_transitions
from receipt_lint.engine import Transition
from receipt_lint.gitrepo import (
    Commit,
    CommitTree,
    Entry,
    Repo,
    added_blobs,
    first_parent_log,
    read_blob,
    read_blobs,
)
from receipt_lint.reporters import one_line
from receipt_lint.rules.base import Pairing
from receipt_lint.snapshot import Loaded, ModelT, Snapshot, load_model
from receipt_lint.tree import MissingFile

RELEASES = "releases"
TIMING_RULES = ("opt-in-after-freeze", "release-closed")


class Step(NamedTuple):
    """One transition of the history, as section 9 describes it: check's transition, and when."""

    commit: Commit
    transition: Transition
    late: tuple[str, ...]  # the timing rules it broke
    rules: tuple[str, ...]  # every error-severity rule it broke
    exception: dict[str, object] | None

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


class History(NamedTuple):
    head: str
    commits: int  # commits that touched releases/ in the replayed range
    steps: tuple[Step, ...]

    @property
    def illegal(self) -> int:
        return sum(1 for step in self.steps if not step.legal)

    @property
    def late(self) -> int:
        return sum(1 for step in self.steps if step.late)

    @property
    def breached(self) -> bool:
        return self.illegal > 0 or self.late > 0


class ReleasesTree:
    """``releases/`` of one commit, in memory: release folder -> path -> (mode, blob).

    Only ``releases/`` is known; any other path reads as missing, which is all
    the transition rules need (they read receipts, schedules and OWNERS).
    """

    def __init__(
        self, repo: Repo, label: str, folders: dict[str, dict[str, Entry]], blobs: dict[str, bytes]
    ) -> None:
        self.repo = repo
        self.label = label
        self.folders = folders
        self._blobs = blobs  # shared by every step: a blob is read once however often it is asked for
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
        moved = ReleasesTree(self.repo, commit.sha, folders, self._blobs)
        moved._sorted = {
            name: paths for name, paths in self._sorted.items() if folders[name] is self.folders[name]
        }
        return moved

    def entry(self, path: str) -> Entry | None:
        return self.folders.get(_folder(path), {}).get(path)

    def read(self, path: str) -> bytes:
        entry = self.entry(path)
        if entry is None:
            raise MissingFile(f"{path} does not exist")
        content = self._blobs.get(entry[1])
        if content is None:
            content = self._blobs[entry[1]] = read_blob(self.repo, path, *entry)
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


def replay(
    repo: Repo,
    head: str,
    since: str | None = None,
    release: str | None = None,
    commits: list[Commit] | None = None,
    blobs: dict[str, bytes] | None = None,
) -> History:
    """Every transition of the first-parent history of ``head`` (after ``since``), oldest first.

    ``commits`` and ``blobs`` are that log and the blobs it adds, when the
    caller has read them already (the command line reads them while Python
    imports the rules).
    """
    if commits is None:
        commits = list(first_parent_log(repo, head, since))
    if blobs is None:
        blobs = read_blobs(repo, added_blobs(commits))
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
    shown = {step.commit.sha for step in steps} if release else {c.sha for c in commits}
    return History(head, len(shown), tuple(steps))


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


def since_date(history: History, start: dt.datetime) -> History:
    """Only the steps committed at or after ``start`` (``--since DATE``)."""
    steps = tuple(step for step in history.steps if step.commit.date >= start)
    return History(history.head, len({step.commit.sha for step in steps}), steps)


def as_dict(history: History) -> dict[str, object]:
    """The JSON shape of the CLI contract ("Reports")."""
    return {
        "version": 1,
        "head": history.head,
        "transitions": [
            {
                "commit": step.commit.sha,
                "date": step.commit.date.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "author": step.commit.author,
                "pull": step.commit.pull,
                "release": step.release,
                "kep": step.kep,
                "from": step.from_state,
                "to": step.to_state,
                "path": step.transition.path,
                "legal": step.legal,
                "late": list(step.late),
                "rules": list(step.rules),
                "exception": step.exception,
            }
            for step in history.steps
        ],
        "summary": {
            "commits": history.commits,
            "transitions": len(history.steps),
            "illegal": history.illegal,
            "late": history.late,
        },
    }


def render(history: History, format_name: str) -> str:
    if format_name == "json":
        return _json(as_dict(history))
    if format_name == "markdown":
        return _markdown(history)
    return _text(history)


def _text(history: History) -> str:
    lines: list[str] = []
    current = None
    for step in history.steps:
        if step.commit.sha != current:
            current = step.commit.sha
            pull = f"  #{step.commit.pull}" if step.commit.pull else ""
            lines.append(
                f"{step.commit.date:%Y-%m-%d %H:%M}  {current[:12]}{pull}  {one_line(step.commit.author)}"
            )
        lines.append(f"  {step.release} KEP {step.kep}: {_move(step)}{_verdict(step)}{_request(step)}")
    lines.append(_summary(history))
    return "\n".join(lines) + "\n"


def _move(step: Step) -> str:
    return f"{step.from_state or '(new)'} -> {step.to_state or '(deleted)'}"


def _verdict(step: Step) -> str:
    said = ([] if step.legal else ["ILLEGAL"]) + (["LATE"] if step.late else [])
    return f"  {' '.join(said)} [{', '.join(step.rules)}]" if said else ""


def _request(step: Step) -> str:
    exception = step.exception
    if exception is None:
        return ""
    if "decision" in exception:
        return f"  exception {exception['decision']}"
    if exception["freeze"] is None:
        return "  exception requested (its exception block cannot be read)"
    return f"  exception requested: {exception['freeze']} freeze, {exception['additional-days']} more days"


def _summary(history: History) -> str:
    return (
        f"{plural(history.commits, 'commit')}, {plural(len(history.steps), 'transition')}, "
        f"{history.illegal} illegal, {history.late} late"
    )


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _markdown(history: History) -> str:
    lines = [
        "# Receipt history",
        "",
        _summary(history),
        "",
        "| date (UTC) | commit | PR | author | release | KEP | move | verdict | exception |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for step in history.steps:
        pull = f"#{step.commit.pull}" if step.commit.pull else ""
        cells = (
            f"{step.commit.date:%Y-%m-%d %H:%M}",
            step.commit.sha[:12],
            pull,
            _cell(step.commit.author),
            step.release,
            step.kep,
            _move(step),
            _verdict(step).strip() or "ok",
            _request(step).strip(),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return one_line(text).replace("|", "\\|").replace("<", "&lt;")


def _json(document: dict[str, Any]) -> str:
    """The document with one transition per line.

    ``json.dumps`` with ``indent`` runs in pure Python (0.1 s for 2,000
    transitions); without it, in C.  One line per transition keeps it readable
    and diffable all the same.
    """
    import json

    transitions = document["transitions"]
    head = json.dumps({key: value for key, value in document.items() if key != "transitions"})
    lines = ",\n".join(f"  {json.dumps(transition)}" for transition in transitions)
    return head[:-1] + (f', "transitions": [\n{lines}\n]' if transitions else ', "transitions": []') + "}\n"
