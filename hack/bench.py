#!/usr/bin/env python3
"""Measure `check --all` against its floor: a bare libyaml parse of the same files.

    python3 hack/corpus_tree.py ../shared/corpus/k-enhancements /tmp/tree --extra 20000
    python3 hack/bench.py /tmp/tree [--runs 7]

TREE is a checkout, e.g. one made by hack/corpus_tree.py.  Prints the median
of interleaved runs: the CLI's wall time (a fresh process, imports included),
the check alone in-process, and yaml.CSafeLoader over exactly the files the
check read (the parse floor), with their ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

from receipt_lint.engine import Options, check_all
from receipt_lint.tree import WorkTree


class RecordingTree(WorkTree):
    """A WorkTree that remembers which files were read."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.read_paths: list[str] = []

    def read(self, path: str) -> bytes:
        self.read_paths.append(path)
        return super().read(path)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("tree", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    now = dt.datetime.now(dt.timezone.utc)
    recording = RecordingTree(args.tree)
    result = check_all(recording, Options(now=now))
    files = sorted(set(recording.read_paths))
    cli, check, floor = [], [], []
    for _ in range(args.runs):
        cli.append(
            _timed(
                lambda: subprocess.run(
                    [sys.executable, "-m", "receipt_lint", "check", "--all", "--repo", str(args.tree)],
                    capture_output=True,
                    check=False,
                )
            )
        )
        check.append(_timed(lambda: check_all(WorkTree(args.tree), Options(now=now))))
        floor.append(_timed(lambda: _parse_all(args.tree, files)))
    print(
        f"receipts checked: {result.receipts_checked}; files read: {len(files)}; "
        f"findings: {len(result.findings)}"
    )
    for name, samples in (
        ("cli check --all (process)", cli),
        ("check_all (in-process)", check),
        ("libyaml parse floor", floor),
    ):
        print(f"{name:<28} median {statistics.median(samples) * 1000:8.1f} ms")
    print(f"ratio in-process / floor: {statistics.median(check) / statistics.median(floor):.2f}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of a cli check --all process: {peak:.0f} MB")
    return 0


def _parse_all(root: Path, files: list[str]) -> None:
    for path in files:
        # a real kep.yaml has a date that is not a date: safe_load raises ValueError
        with contextlib.suppress(OSError, ValueError, yaml.YAMLError):
            yaml.load((root / path).read_bytes(), Loader=yaml.CSafeLoader)


def _timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


if __name__ == "__main__":
    raise SystemExit(main())
