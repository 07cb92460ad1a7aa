#!/usr/bin/env python3
"""Build a repository with a long first-parent history of receipt moves (for hack/bench.py).

    python3 hack/history_repo.py DIR [--pulls 1000] [--releases 20]

Each release v1.20 onwards gets a direct commit that creates it (OWNERS and a
schedule), then pull requests merged with a merge commit, as GitHub's merge
button makes them: opt-ins (three receipts each), then moves through the cycle
(accept, at-risk, remove, an exception request and its grant).  Written with
``git fast-import``, so a thousand merges take a second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
from pathlib import Path

RECEIPT = """\
title: Enhancement {number}
kep-number: {number}
owning-sig: sig-node
path: sig-node/{number}-enhancement
tracking-status: {state}
stage: alpha
"""
EXCEPTION = (
    "exception:\n  freeze: code\n  additional-days: 5\n  reason: r\n"
    "  risks-of-adding: a\n  risks-of-cutting: c\n"
)
SCHEDULE = (
    "prr-freeze: {year}-02-05\nenhancements-freeze: {year}-02-12\n"
    "code-freeze: {year}-03-19\nrelease: {year}-04-22\n"
)


class Stream:
    """A fast-import stream: one main line of merges."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.mark = 0
        self.main: int | None = None
        self.time = 1_600_000_000

    def commit(self, message: str, changes: list[tuple[str, str | None]], pull: int | None) -> None:
        """A direct commit on main, or (with ``pull``) a side commit merged into main."""
        if pull is None:
            self.main = self._commit("refs/heads/main", message, changes, self.main, None)
            return
        side = self._commit(f"refs/heads/pr-{pull}", f"pr {pull}", changes, self.main, None)
        message = f"Merge pull request #{pull} from bench/pr-{pull}"
        self.main = self._commit("refs/heads/main", message, changes, self.main, side)

    def _commit(
        self,
        ref: str,
        message: str,
        changes: list[tuple[str, str | None]],
        parent: int | None,
        merged: int | None,
    ) -> int:
        self.mark += 1
        self.time += 3600
        lines = [
            f"commit {ref}",
            f"mark :{self.mark}",
            f"committer bench <bench@example.com> {self.time} +0000",
        ]
        body = message.encode()
        self.parts.append(("\n".join(lines) + f"\ndata {len(body)}\n").encode() + body + b"\n")
        tail = ([f"from :{parent}"] if parent else []) + ([f"merge :{merged}"] if merged else [])
        for path, text in changes:
            if text is None:
                tail.append(f"D {path}")
            else:
                data = text.encode()
                tail.append(f"M 100644 inline {path}\ndata {len(data)}\n{text}")
        self.parts.append(("\n".join(tail) + "\n\n").encode())
        return self.mark


def build(root: Path, pulls: int = 1000, releases: int = 20) -> int:
    """The repository at ``root``; returns the number of first-parent commits that touch releases/."""
    stream = Stream()
    per_release = max(pulls // releases, 4)
    pull = 0
    for index in range(releases):
        release = f"v1.{20 + index}"
        base = f"releases/{release}"
        year = 2020 + index
        stream.time = int(dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc).timestamp())  # the cycle's start
        stream.commit(
            f"create release {release}",
            [
                (f"{base}/OWNERS", "approvers:\n  - lead\n"),
                (f"{base}/schedule.yaml", SCHEDULE.format(year=year)),
            ],
            None,
        )
        states: dict[int, str] = {}
        for step in range(per_release):
            pull += 1
            stream.commit("", _pull_changes(base, index, step, states), pull)
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(
        ["git", "-C", str(root), "fast-import", "--quiet"], input=b"".join(stream.parts), check=True
    )
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "-f", "main"], check=True)
    return releases * (per_release + 1)


_MOVES = {"proposed": "accepted", "accepted": "at-risk", "at-risk": "exception", "exception": "at-risk"}


def _pull_changes(base: str, index: int, step: int, states: dict[int, str]) -> list[tuple[str, str | None]]:
    """The first third of a cycle opts in three KEPs a pull request; the rest moves two."""
    changes: list[tuple[str, str | None]] = []
    if step % 3 == 0 or not states:
        for offset in range(3):
            number = 1000 * index + 3 * step + offset + 1
            states[number] = "proposed"
            changes.append(
                (f"{base}/proposed/{number}.yaml", RECEIPT.format(number=number, state="proposed"))
            )
        return changes
    movable = [n for n, state in states.items() if state in _MOVES][:2] or list(states)[:1]
    for number in movable:
        old = states[number]
        new = _MOVES.get(old, "removed") if step % 7 else "removed"
        states[number] = new
        text = RECEIPT.format(number=number, state=new) + (
            EXCEPTION if new == "exception" or old == "exception" else ""
        )
        changes += [(f"{base}/{old}/{number}.yaml", None), (f"{base}/{new}/{number}.yaml", text)]
    return changes


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("root", type=Path)
    parser.add_argument("--pulls", type=int, default=1000)
    parser.add_argument("--releases", type=int, default=20)
    args = parser.parse_args()
    commits = build(args.root, args.pulls, args.releases)
    print(f"built {args.root}: {commits:,} first-parent commits touching releases/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
