"""The audit trail: every transition of the first-parent history of ``releases/`` (design doc section 9).

``read`` runs ``git log --first-parent --raw`` for the commits that touched
``releases/`` and returns each commit's transitions, judged as ``check`` judges
a pull request.  Commits judged before come from the cache
(``history_cache``); the others are replayed (``replay``, which imports the
rules and the models), then cached.  A warm run imports neither.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from receipt_lint.model.layout import release_folder
from receipt_lint.model.names import FREEZES, STATES
from receipt_lint.model.times import utc_text
from receipt_lint.model.transitions import Transition
from receipt_lint.model.versions import ascii_number, parse_release
from receipt_lint.reporters import markdown_cell, one_line
from receipt_lint.reports.history_cache import HistoryCache
from receipt_lint.reports.step import Step
from receipt_lint.trees.git import Background, Repo
from receipt_lint.trees.log import (
    Commit,
    added_blobs,
    first_parent_log,
    read_blobs,
    with_pull_request_authors,
)


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


def read(
    repo: Repo,
    head: str,
    *,
    since: str | None = None,
    release: str | None = None,
    start: dt.datetime | None = None,
    cache: bool = True,
) -> History:
    """The transitions of the first-parent history of ``head`` (after ``since``), of ``release`` or all.

    ``start`` keeps the commits made at or after it (``--since DATE``): they
    are still judged from the first commit, as their first parents hold the
    trees they are judged against.

    Git reads the log, then the blobs the uncached commits add, in a thread,
    while Python reads the cache and, unless the cache has seen ``head``,
    imports the rules.  From the first commit the cache does not hold, the rest
    are replayed: a replay starts from a tree, and the commit before holds it.
    Replayed steps are cached for every release; ``release`` only filters.
    """
    cache_side = Background(HistoryCache.open if cache else lambda: None)
    git_side = Background(lambda: _log_and_blobs(repo, head, since, cache_side))
    store = cache_side.result()
    if store is None or head not in store.heads:
        import receipt_lint.reports.replay  # noqa: F401  (while git reads: a replay is likely)
    commits, done, steps, blobs = git_side.result()
    if done < len(commits):
        from receipt_lint.reports.replay import replay

        fresh = replay(repo, commits[done:], blobs, release if store is None else None)
        steps.extend(fresh.steps)
        if store is not None and fresh.complete:
            store.save(_rows(commits[done:], fresh.steps), head)
    elif store is not None and head not in store.heads:
        store.save({}, head)
    if start is not None:
        commits = [commit for commit in commits if commit.date >= start]
        steps = [step for step in steps if step.commit.date >= start]
    if release is not None:
        steps = [step for step in steps if release in (step.release, step.transition.from_release)]
    return History(head, _touching(commits, steps, release), tuple(steps))


def _touching(commits: list[Commit], steps: list[Step], release: str | None) -> int:
    """The commits that touched ``releases/`` (or the release's folder), moves or not: the summary's count."""
    if release is None:
        return len(commits)
    moved = {step.commit.sha for step in steps}
    return sum(
        1
        for commit in commits
        if commit.sha in moved or any(release_folder(path) == release for path, _ in commit.changes)
    )


def _log_and_blobs(
    repo: Repo, head: str, since: str | None, cache_side: Background[HistoryCache | None]
) -> tuple[list[Commit], int, list[Step], dict[str, bytes]]:
    """The log, how many of its first commits the cache holds, their steps, and the blobs the rest add."""
    commits = with_pull_request_authors(repo, list(first_parent_log(repo, head, since)))
    store = cache_side.result()
    steps: list[Step] = []
    done = 0
    for commit in commits:
        cached = _cached_steps(commit, store)
        if cached is None:
            break
        steps.extend(cached)
        done += 1
    return commits, done, steps, read_blobs(repo, added_blobs(commits[done:]))


# A cached step: the Transition's fields, then late, rules, exception and warnings.
_ROW_LENGTH = len(Transition._fields) + 4


def _key(commit: Commit) -> str:
    """A commit with the first parent this clone gives it: the steps depend on both.

    A shallow clone's oldest commit has no parent (all its receipts look
    created), a grafted one another: the same id with other steps.
    """
    return f"{commit.sha}^{commit.parent or ''}"


def _rows(commits: list[Commit], steps: list[Step]) -> dict[str, list[Any]]:
    rows: dict[str, list[Any]] = {_key(commit): [] for commit in commits}  # a commit with none is known too
    for step in steps:
        row = [*step.transition, list(step.late), list(step.rules), step.exception, list(step.warnings)]
        rows[_key(step.commit)].append(row)
    return rows


def _cached_steps(commit: Commit, store: HistoryCache | None) -> list[Step] | None:
    """The steps the cache holds for ``commit``; None when it holds none, or a row it cannot vouch for."""
    rows = store.rows.get(_key(commit)) if store is not None else None
    if rows is None or not all(_valid_row(row) for row in rows):
        return None
    return [
        Step(commit, Transition(*row[:-4]), tuple(row[-4]), tuple(row[-3]), row[-2], tuple(row[-1]))
        for row in rows
    ]


def _valid_row(row: object) -> bool:
    """A row that says what a replay could have said: the reports read it without a second look."""
    if not isinstance(row, list) or len(row) != _ROW_LENGTH:
        return False
    release, kep, origin, target, path, legal, from_release, late, rules, exception, warnings = row
    return (
        _release(release)
        and (from_release is None or _release(from_release))
        and isinstance(kep, str)
        and ascii_number(kep) is not None
        and all(state is None or state in STATES for state in (origin, target))
        and isinstance(path, str)
        and isinstance(legal, bool)
        and all(_texts(value) for value in (late, rules, warnings))
        and _valid_exception(exception)
    )


def _release(value: object) -> bool:
    return isinstance(value, str) and parse_release(value) is not None


def _texts(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _valid_exception(value: object) -> bool:
    """None, a request (``freeze``, ``additional-days``: None when unreadable) or a decision."""
    if value is None:
        return True
    if not isinstance(value, dict):
        return False
    if value.keys() == {"decision"}:
        return value["decision"] in ("granted", "denied")
    days = value.get("additional-days")
    return (
        value.keys() == {"freeze", "additional-days"}
        and value["freeze"] in (None, *FREEZES)
        and (days is None or (type(days) is int and days > 0))
    )


def as_dict(history: History) -> dict[str, object]:
    """The JSON shape of the CLI contract ("Reports")."""
    commits: dict[str, tuple[str, int | None]] = {}  # a commit's date and pull request, worked out once
    transitions = []
    for step in history.steps:
        commit, transition = step.commit, step.transition
        when = commits.get(commit.sha)
        if when is None:
            when = commits[commit.sha] = (utc_text(commit.date), commit.pull)
        transitions.append(
            {
                "commit": commit.sha,
                "date": when[0],
                "author": commit.author,
                "login": commit.login,
                "merged_by": commit.merged_by,
                "pull": when[1],
                "release": transition.release,
                "kep": transition.kep,
                "from": transition.from_state,
                "to": transition.to_state,
                "path": transition.path,
                "legal": transition.legal,
                "late": list(step.late),
                "warnings": list(step.warnings),
                "rules": list(step.rules),
                "exception": step.exception,
                "edit": transition.from_state == transition.to_state and transition.from_release is None,
            }
        )
    return {
        "version": 1,
        "head": history.head,
        "transitions": transitions,
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
    """A header per commit (who made it, who merged it), its moves, its clean edits in place as one line."""
    lines: list[str] = []
    for commit, steps in _by_commit(history.steps):
        pull = f"  #{commit.pull}" if commit.pull else ""
        merged = f" (merged by {one_line(commit.merged_by)})" if commit.merged_by else ""
        who = f"{one_line(commit.author)}{merged}"
        lines.append(f"{commit.date:%Y-%m-%d %H:%M}  {commit.sha[:12]}{pull}  {who}")
        edits = [step for step in steps if _clean_edit(step)]
        for step in steps:
            if not _clean_edit(step):
                said = f"{_move(step)}{_verdict(step)}{_request(step)}"
                lines.append(f"  {step.release} KEP {step.kep}: {said}")
        if edits:
            keps = ", ".join(f"{step.release} KEP {step.kep}" for step in edits)
            lines.append(f"  {plural(len(edits), 'receipt')} edited in place ({keps})")
    lines.append(_summary(history))
    return "\n".join(lines) + "\n"


def _by_commit(steps: tuple[Step, ...]) -> list[tuple[Commit, list[Step]]]:
    grouped: list[tuple[Commit, list[Step]]] = []
    for step in steps:
        if grouped and grouped[-1][0].sha == step.commit.sha:
            grouped[-1][1].append(step)
        else:
            grouped.append((step.commit, [step]))
    return grouped


def _clean_edit(step: Step) -> bool:
    """An edit in place that broke nothing: one of a pull request's many, told as a count."""
    transition = step.transition
    same_place = transition.from_state == transition.to_state and transition.from_release is None
    return same_place and step.legal and not step.late and not step.rules and not step.warnings


def _move(step: Step) -> str:
    return f"{step.from_state or '(new)'} -> {step.to_state or '(deleted)'}"


def _verdict(step: Step) -> str:
    said = ([] if step.legal else ["ILLEGAL"]) + (["LATE"] if step.late else [])
    said = said or (["ERROR"] if step.rules else [])  # a legal, timely move can still break a rule
    verdict = f"  {' '.join(said)} [{', '.join(step.rules)}]" if said else ""
    return verdict + (f"  warning [{', '.join(step.warnings)}]" if step.warnings else "")


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
    return markdown_cell(text)


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
