"""A release whose receipts list pull requests, and a fake GitHub that knows them, for the GitHub tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from receipt_lint.github import client
from tests.conftest import KEP, PRR, README, git_init, write_tree
from tests.fake_github import TOKEN, FakeGitHub

SCHEDULE = """\
enhancements-freeze: 2026-02-12T02:00:00Z
docs-pr-deadline: 2026-03-05
code-freeze: 2026-03-19T02:00:00Z
docs-freeze: 2026-04-01
release: 2026-04-22
"""
K8S = "https://github.com/kubernetes/kubernetes/pull/"
WEBSITE = "https://github.com/kubernetes/website/pull/"


def kep_files(
    number: int,
    state: str,
    *,
    code: list[str] | None = None,
    docs: list[str] | None = None,
    exception: str = "",
    title: str = "Receipts process",
    ready: bool = True,
) -> dict[str, str]:
    """One KEP (kep.yaml, README, PRR) and its receipt in ``state`` of v1.37."""
    folder = f"keps/sig-architecture/{number}-receipts"
    receipt = (
        f"title: {json.dumps(title)}\nkep-number: {number}\nowning-sig: sig-architecture\n"
        f"path: sig-architecture/{number}-receipts\ntracking-status: {state}\nstage: alpha\n"
    )
    if code is not None:
        receipt += "implementation-prs:" + ("".join(f"\n  - {url}" for url in code) if code else " []") + "\n"
    if docs is not None:
        receipt += "docs-prs:" + ("".join(f"\n  - {url}" for url in docs) if docs else " []") + "\n"
    files = {
        f"{folder}/kep.yaml": KEP.replace("2140", str(number)).replace("Receipts process", json.dumps(title)),
        f"{folder}/README.md": README,
        f"releases/v1.37/{state}/{number}.yaml": receipt + exception,
    }
    if ready:
        files[f"keps/prod-readiness/sig-architecture/{number}.yaml"] = PRR.replace("2140", str(number))
    return files


def release_tree(root: Path, *keps: dict[str, str], schedule: str = SCHEDULE, git: bool = True) -> Path:
    files: dict[str, str | bytes] = {
        "OWNERS_ALIASES": "aliases:\n  prod-readiness-approvers:\n    - johnbelamaric\n",
        "releases/v1.37/OWNERS": "approvers:\n  - lead\n",
        "releases/v1.37/schedule.yaml": schedule,
    }
    for kep in keps:
        files.update(kep)
    write_tree(root, files)
    if git:
        git_init(root)
    return root


def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    """A running fake GitHub for the GitHub commands; no test waits for real (conftest's ``github``)."""
    fake = FakeGitHub().start()
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", fake.url)
    waits: list[float] = []
    monkeypatch.setattr(client, "sleep", waits.append)
    fake.waits = waits  # type: ignore[attr-defined]
    yield fake
    fake.stop()
    assert fake.invalid == [], f"a query GitHub's schema rejects: {fake.invalid}"
