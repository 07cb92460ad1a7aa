"""Builders for small, real-looking enhancements trees in tmp_path."""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from receipt_lint.engine.check import Options, Result, check_all
from receipt_lint.trees.worktree import WorkTree

NOW = dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc)

KEP = """\
title: Receipts process
kep-number: 2140
authors:
  - "@author"
owning-sig: sig-architecture
status: implementable
approvers:
  - "@lead"
creation-date: 2025-10-01
stage: alpha
latest-milestone: "v1.37"
milestone:
  alpha: "v1.37"
"""
PRR = 'kep-number: 2140\nalpha:\n  approver: "@johnbelamaric"\n'
RECEIPT = """\
title: Receipts process
kep-number: 2140
owning-sig: sig-architecture
path: sig-architecture/2140-receipts
tracking-status: accepted
stage: alpha
"""

EXCEPTION_BLOCK = (
    "exception:\n  freeze: code\n  additional-days: 5\n  reason: r\n"
    "  risks-of-adding: a\n  risks-of-cutting: c\n"
)


# A KEP document ready for any stage (design doc section 8), cut from the template and real READMEs.
README = (Path(__file__).resolve().parent.parent / "receipt_lint/ready_readme.md").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reaches the internet or a real GitHub: a connection beyond this machine fails the test,
    and no token, endpoint or `gh` login of the person running the tests is seen."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: object) -> None:
        if isinstance(address, tuple) and not _loopback(str(address[0])):
            raise AssertionError(f"a test tried to reach {address[0]}: tests stay on 127.0.0.1")
        real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_GRAPHQL_URL", "GH_ENTERPRISE_TOKEN", "GH_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GH_CONFIG_DIR", str(tmp_path_factory.mktemp("gh")))  # `gh auth token`: no login


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fake GitHub on 127.0.0.1 (tests/fake_github.py) that GITHUB_GRAPHQL_URL and GITHUB_TOKEN point at."""
    from tests.github_trees import serve

    yield from serve(monkeypatch)


@pytest.fixture(autouse=True)
def history_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test its own cache of judged commits: none reads or writes the user's ~/.cache."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("RECEIPT_LINT_CACHE_DIR", str(folder))
    return folder


def base_files(state: str = "accepted") -> dict[str, str]:
    """A correct tree: one KEP with its README, its PRR approval and an accepted receipt."""
    return {
        "OWNERS_ALIASES": "aliases:\n  prod-readiness-approvers:\n    - johnbelamaric\n",
        "releases/v1.37/OWNERS": "approvers:\n  - lead\n",
        "keps/sig-architecture/2140-receipts/kep.yaml": KEP,
        "keps/sig-architecture/2140-receipts/README.md": README,
        "keps/prod-readiness/sig-architecture/2140.yaml": PRR,
        f"releases/v1.37/{state}/2140.yaml": RECEIPT.replace("accepted", state),
    }


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


def git_init(root: Path) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-C", str(root)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)


Checker = Callable[..., Result]


@pytest.fixture
def check(tmp_path: Path) -> Checker:
    """check(files, **options) -> Result on a fresh tree."""

    def run(files: dict[str, str | bytes], now: dt.datetime = NOW, release: str | None = None) -> Result:
        root = tmp_path / "repo"
        if files:  # a fresh tree; check({}) re-checks the tree as the test left it
            shutil.rmtree(root, ignore_errors=True)
        write_tree(root, files)
        return check_all(WorkTree(root), Options(now=now, release=release))

    return run


def found(result: Result) -> set[tuple[str, str, int | None]]:
    """(rule, path, line) of every finding."""
    return {(f.rule, f.path, f.line) for f in result.findings}


def rules_found(result: Result) -> set[str]:
    return {f.rule for f in result.findings}
