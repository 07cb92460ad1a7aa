#!/usr/bin/env python3
"""How long the GitHub Action takes from checkout to verdict, installing with uv and with pip.

    python3 hack/action_timing.py [--runs 3]

Runs action.yml's own install and check steps (hack/action-install.sh,
hack/action-check.sh) on the built-in example repository, as a fresh runner
would: a new virtual environment and an empty package cache each time.  "pip"
hides uv from PATH, so the install script falls back to python3 -m venv and
pip.  (Setting up uv itself, the setup-uv step, downloads one binary: about a
second on a hosted runner, not measured here.)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    uv = shutil.which("uv")
    if uv is None:
        print("action_timing: uv is not on PATH (pip install uv)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="receipt-lint-action-") as scratch:
        workspace = Path(scratch) / "example"
        subprocess.run(
            [sys.executable, "-m", "receipt_lint", "demo", "--keep", str(workspace)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        base = subprocess.run(
            ["git", "-C", str(workspace), "rev-parse", "main"], capture_output=True, text=True, check=True
        ).stdout.strip()
        subprocess.run(["git", "-C", str(workspace), "checkout", "-q", "pr"], check=True)
        figures: dict[str, list[tuple[float, float]]] = {"uv": [], "pip": []}
        for _ in range(args.runs):
            for way in figures:
                figures[way].append(_steps(workspace, Path(scratch), base, uv if way == "uv" else None))
    for way, runs in figures.items():
        install = statistics.median(r[0] for r in runs)
        check = statistics.median(r[1] for r in runs)
        total = install + check
        print(f"{way:>3}: install {install:5.1f} s, check {check:4.1f} s, checkout to verdict {total:5.1f} s")
    return 0


def _steps(workspace: Path, scratch: Path, base: str, uv: str | None) -> tuple[float, float]:
    runner = Path(tempfile.mkdtemp(dir=scratch))
    tools = runner / "bin"  # python3 and git always; uv only for the uv run
    tools.mkdir()
    for name, target in (("python3", sys._base_executable), ("git", shutil.which("git")), ("uv", uv)):
        if target:
            (tools / name).symlink_to(target)
    env = {k: v for k, v in os.environ.items() if k.startswith(("SSL_", "PIP_", "UV_", "REQUESTS_", "HOME"))}
    env |= {
        "PATH": f"{tools}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "RUNNER_TEMP": str(runner),
        "GITHUB_ACTION_PATH": str(ROOT),
        "UV_CACHE_DIR": str(runner / "uv-cache"),  # a fresh runner: nothing cached
        "PIP_NO_CACHE_DIR": "1",
        "RECEIPT_LINT_BASE": base,
        "RECEIPT_LINT_ARGS": "--now=2026-02-20T12:00:00Z",
        "GITHUB_ACTIONS": "true",
    }
    started = time.perf_counter()
    subprocess.run(["bash", str(ROOT / "hack/action-install.sh")], cwd=workspace, env=env, check=True)
    installed = time.perf_counter()
    subprocess.run(
        ["bash", str(ROOT / "hack/action-check.sh")], cwd=workspace, env=env, stdout=subprocess.DEVNULL
    )
    return installed - started, time.perf_counter() - installed


if __name__ == "__main__":
    raise SystemExit(main())
