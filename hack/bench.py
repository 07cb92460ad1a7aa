#!/usr/bin/env python3
"""The speed and memory benchmark, against the floors the targets are set by.

    pip install -e '.[bench]'
    python3 hack/bench.py [--corpus ../shared/corpus/k-enhancements] [--sizes 2000 20000] [--runs 11]

For each size it builds a git repository (hack/corpus_tree.py: the corpus's
KEPs when --corpus is given, else synthetic ones) with that many receipts over
many releases, on branch main, and a branch pr that moves one receipt.  Each
release has a schedule (v1.37 in progress, older ones closed) unless
--no-schedules, which leaves every release open: the worst case, where every
receipt gets the agreement checks.  Then,
in interleaved runs (so a slow moment of the machine hits every measurement
alike), it times:

- a one-receipt PR check, ``receipt-lint check --base main --head pr``, as a
  fresh process, against the import floor, a process doing nothing but
  ``import pydantic, ruamel.yaml, jsonschema, git``;
- ``check --all`` in-process against the parse floor, ``yaml.CSafeLoader`` over
  exactly the files the check read; and the whole ``check --all`` process;
- the peak memory (max RSS) of the ``check --all`` process;
- ``status`` for 100 KEPs and 300 pull requests against the tests' fake GitHub, and
  ``status --from`` a snapshot against ``manifest`` (hack/bench_status.py).

It prints medians, the two ratios against their targets (PR check <= 1.0x the
import floor, check --all <= 1.5x the parse floor, peak <= 150 MB at 20,000
receipts) and how time grows from the smallest size to the largest.
Targets are reported, not asserted: timing belongs in a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus_tree
import history_repo
from bench_status import bench_status

from receipt_lint.engine.check import Options, check_all
from receipt_lint.model.files import MAX_BYTES
from receipt_lint.trees.worktree import WorkTree

IMPORT_FLOOR = "import pydantic, ruamel.yaml, jsonschema, git"
# Processes may cache bytecode, as after any pip install: without it an
# editable install recompiles receipt_lint on every run (~20 ms) while the
# floor's packages load theirs.
_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
MOVED = "v1.37/accepted"  # the PR moves one receipt from here to at-risk (a legal team move)


@dataclass
class Figures:
    receipts: int
    files_read: int
    pr_check: float
    import_floor: float
    check_all: float
    parse_floor: float
    cli_all: float
    peak_mb: float


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, help="a kubernetes/enhancements checkout or the shared corpus")
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--keep", type=Path, help="build the trees here and keep them")
    parser.add_argument(
        "--no-schedules", action="store_true", help="no schedule.yaml: every release open (the worst case)"
    )
    parser.add_argument(
        "--history-pulls", type=int, default=1000, help="pull requests in the history benchmark (0: skip it)"
    )
    parser.add_argument("--only-history", action="store_true", help="run the history benchmark alone")
    parser.add_argument("--only-status", action="store_true", help="run the status benchmark alone")
    args = parser.parse_args()
    if args.only_history:
        return bench_history(args.history_pulls, args.runs, args.keep)
    if args.only_status:
        return bench_status(args.runs, _process, _ENV)
    missing = _missing_floor_modules()
    if missing:
        print(
            f"bench: the import floor needs {', '.join(missing)}: pip install -e '.[bench]'", file=sys.stderr
        )
        return 2
    results = []
    with tempfile.TemporaryDirectory(prefix="receipt-lint-bench-") as scratch:
        for size in args.sizes:
            root = (args.keep or Path(scratch)) / f"tree-{size}"
            receipts = build_repository(root, args.corpus, size, schedules=not args.no_schedules)
            print(f"built {root}: {receipts:,} receipts; {args.runs} interleaved runs ...", file=sys.stderr)
            results.append(measure(root, receipts, args.runs))
    report(results)
    if args.history_pulls:
        bench_history(args.history_pulls, args.runs, args.keep)
    return bench_status(args.runs, _process, _ENV)


HISTORY_TARGET = 3.0  # history --format json <= 3x the git log it replays


def bench_history(pulls: int, runs: int, keep: Path | None) -> int:
    """``receipt-lint history --format json`` against ``git log --first-parent --raw -z -- releases/``.

    Three runs of the same command, as users meet them: cold (no cache: a
    fresh CI machine, or ``--no-cache``), after one new merge (the cache holds
    all but the newest commit: a periodic job that keeps its cache), and
    unchanged (everything cached: the lead who runs it twice).
    """
    with tempfile.TemporaryDirectory(prefix="receipt-lint-history-") as scratch:
        root = (keep or Path(scratch)) / "history"
        commits = history_repo.build(root, pulls)
        print(f"built {root}: {commits:,} first-parent commits touching releases/", file=sys.stderr)
        cache = Path(scratch) / "cache"
        env = {**_ENV, "RECEIPT_LINT_CACHE_DIR": str(cache)}
        floor = ["git", "log", "--first-parent", "--raw", "-z", "--", "releases/"]
        ours = [sys.executable, "-m", "receipt_lint", "history", "--format", "json"]
        one_behind = [*ours, "--head", "HEAD~1"]  # fills the cache with all but the newest commit
        _process(root, [*ours, "--no-cache"], env)  # warm-up: bytecode, the page cache
        samples: dict[str, list[float]] = {name: [] for name in ("cold", "one new", "unchanged", "floor")}
        for _ in range(runs):
            samples["cold"].append(_process(root, [*ours, "--no-cache"], env)[0])
            shutil.rmtree(cache, ignore_errors=True)
            _process(root, one_behind, env)
            samples["one new"].append(_process(root, ours, env)[0])
            samples["unchanged"].append(_process(root, ours, env)[0])
            samples["floor"].append(_process(root, floor)[0])
    medians = {name: statistics.median(values) for name, values in samples.items()}
    floor_s = medians.pop("floor")
    print(f"\nhistory over {commits:,} commits; git log floor {_ms(floor_s)}")
    for name, seconds in medians.items():
        print(
            _target(
                f"history, {name + ':':<10} {_ms(seconds)}; / floor", seconds / floor_s, HISTORY_TARGET, "x"
            )
        )
    return 0


def _missing_floor_modules() -> list[str]:
    import importlib.util

    names = {
        "pydantic": "pydantic",
        "ruamel.yaml": "ruamel.yaml",
        "jsonschema": "jsonschema",
        "git": "GitPython",
    }
    return [dist for module, dist in names.items() if importlib.util.find_spec(module.split(".")[0]) is None]


def build_repository(root: Path, corpus: Path | None, size: int, *, schedules: bool) -> int:
    """The tree on main, and a branch pr that moves one v1.37 receipt to at-risk."""
    if root.exists():
        raise SystemExit(f"bench: {root} exists; remove it or choose another --keep")
    root.mkdir(parents=True)
    receipts = corpus_tree.build(root, corpus, size, schedules=schedules)
    git = ["git", "-C", str(root), "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    _run(*git, "init", "-q", "-b", "main")
    _run(*git, "add", "-A")
    _run(*git, "commit", "-q", "-m", "base")
    moved = sorted((root / "releases" / MOVED).iterdir())[0]
    target = root / "releases/v1.37/at-risk" / moved.name
    target.parent.mkdir(exist_ok=True)
    _run(*git, "checkout", "-q", "-b", "pr")
    _run(*git, "mv", str(moved), str(target))
    target.write_text(target.read_text().replace("tracking-status: accepted", "tracking-status: at-risk"))
    _run(*git, "commit", "-q", "-a", "-m", "at risk")
    return receipts


def measure(root: Path, receipts: int, runs: int) -> Figures:
    now = dt.datetime.now(dt.timezone.utc)
    files = files_read(root, now)
    cli = [sys.executable, "-m", "receipt_lint"]
    samples: dict[str, list[float]] = {name: [] for name in ("pr", "floor", "all", "parse", "cli")}
    peak = 0
    _process(root, [*cli, "check", "--base", "main", "--head", "pr"])  # warm-up: caches, bytecode
    for _ in range(runs):
        samples["pr"].append(_process(root, [*cli, "check", "--base", "main", "--head", "pr"])[0])
        samples["floor"].append(_process(root, [sys.executable, "-c", IMPORT_FLOOR])[0])
        samples["all"].append(_timed(lambda: check_all(WorkTree(root), Options(now=now))))
        samples["parse"].append(_timed(lambda: parse_floor(root, files)))
        seconds, max_rss = _process(root, [*cli, "check", "--all"])
        samples["cli"].append(seconds)
        peak = max(peak, max_rss)
    median = {name: statistics.median(values) for name, values in samples.items()}
    return Figures(
        receipts,
        len(files),
        median["pr"],
        median["floor"],
        median["all"],
        median["parse"],
        median["cli"],
        peak / 1024,
    )


def files_read(root: Path, now: dt.datetime) -> list[str]:
    """The files ``check --all`` reads (those that exist): the parse floor parses the same."""

    class Recording(WorkTree):
        def __init__(self, root: Path) -> None:
            super().__init__(root)
            self.paths: set[str] = set()

        def read(self, path: str, limit: int = MAX_BYTES) -> bytes:
            data = super().read(path, limit)  # a missing file raises: it is not recorded
            self.paths.add(path)
            return data

    tree = Recording(root)
    check_all(tree, Options(now=now))
    # The floor parses YAML; the READMEs kep-readme reads (Markdown) are work the check does beyond it.
    return sorted(path for path in tree.paths if path.endswith(".yaml") or "/" not in path)


def parse_floor(root: Path, files: list[str]) -> None:
    for path in files:
        # a real kep.yaml has a date that is not a date: safe_load raises ValueError
        with contextlib.suppress(ValueError, yaml.YAMLError):
            yaml.load((root / path).read_bytes(), Loader=yaml.CSafeLoader)


def report(results: list[Figures]) -> None:
    print(
        f"\n{'receipts':>9} {'files':>6} {'PR check':>9} {'import':>8} {'ratio':>6}   "
        f"{'--all':>8} {'parse':>8} {'ratio':>6} {'--all cli':>9} {'peak':>7}"
    )
    for r in results:
        print(
            f"{r.receipts:>9,} {r.files_read:>6,} {_ms(r.pr_check)} {_ms(r.import_floor, 8)} "
            f"{r.pr_check / r.import_floor:>5.2f}x   {_ms(r.check_all, 8)} {_ms(r.parse_floor, 8)} "
            f"{r.check_all / r.parse_floor:>5.2f}x {_ms(r.cli_all)} {r.peak_mb:>4.0f} MB"
        )
    print("(medians; PR check and import floor are fresh processes, --all and parse in-process)\n")
    worst_pr = max(r.pr_check / r.import_floor for r in results)
    worst_all = max(r.check_all / r.parse_floor for r in results)
    largest = max(results, key=lambda r: r.receipts)
    print(_target("PR check / import floor", worst_pr, 1.0, "x"))
    print(_target("check --all / parse floor", worst_all, 1.5, "x"))
    print(_target(f"peak memory at {largest.receipts:,} receipts", largest.peak_mb, 150, " MB"))
    if len(results) > 1:
        small = min(results, key=lambda r: r.receipts)
        grew = largest.check_all / small.check_all
        scale = largest.receipts / small.receipts
        print(
            f"growth {small.receipts:,} -> {largest.receipts:,} receipts ({scale:.0f}x): check --all took "
            f"{grew:.1f}x as long; per receipt {small.check_all / small.receipts * 1e6:.0f} -> "
            f"{largest.check_all / largest.receipts * 1e6:.0f} us"
        )


def _target(name: str, value: float, limit: float, unit: str) -> str:
    verdict = "meets" if value <= limit else "MISSES"
    return f"{name}: {value:.2f}{unit} (target <= {limit}{unit}): {verdict}"


def _ms(seconds: float, width: int = 9) -> str:
    return f"{seconds * 1000:>{width - 3}.0f} ms"


def _process(cwd: Path, argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall time and max RSS (KiB) of one fresh process."""
    started = time.perf_counter()
    child = subprocess.Popen(
        argv, cwd=cwd, env=env or _ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 1):
        raise SystemExit(f"bench: {' '.join(argv)} exited {child.returncode}")
    return elapsed, usage.ru_maxrss


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    raise SystemExit(main())
