"""What was read from GitHub: pull requests and enhancement issues, and the snapshot that keeps them.

A snapshot is versioned JSON: the time of reading, where it was read (the endpoint,
never the token), and each pull request and issue as GitHub said it then, or why it
could not be read (``error``: the verdict is then *unknown*, never guessed).  ``--save``
writes one, ``--from`` and ``manifest --status`` read one instead of GitHub.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, ValidationError

VERSION = 1
KIND = "receipt-lint github snapshot"
MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024
PULL_URL = re.compile(
    r"https://github\.com/([A-Za-z0-9](?:[A-Za-z0-9._-]*))/([A-Za-z0-9._-]+)/pull/([1-9][0-9]*)"
)

# The labels that decide merging upstream (Prow's tide): both of these, and no do-not-merge/*.
MERGE_LABELS = ("lgtm", "approved")
BLOCKING_PREFIX = "do-not-merge/"


PullState = Literal["open", "merged", "closed", "unknown"]
IssueStateName = Literal["open", "closed", "unknown"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pull(_Model):
    """One pull request as read; ``error`` says why it could not be (then nothing else is known)."""

    url: str
    state: PullState = "unknown"  # closed: closed without merging
    draft: bool = False
    title: str = ""
    merged_at: str | None = None
    review_decision: str | None = None  # APPROVED, CHANGES_REQUESTED, REVIEW_REQUIRED
    labels: list[str] = Field(default_factory=list)
    milestone: str | None = None
    updated_at: str | None = None
    error: str | None = None

    @property
    def known(self) -> bool:
        return self.error is None and self.state in ("open", "merged", "closed")

    @property
    def merge_ready(self) -> bool:
        """Open, not a draft, approved (lgtm and approved labels, or an APPROVED review), not held."""
        if self.state != "open" or self.draft or not self.known:
            return False
        approved = all(label in self.labels for label in MERGE_LABELS) or self.review_decision == "APPROVED"
        return approved and not any(label.startswith(BLOCKING_PREFIX) for label in self.labels)


class Issue(_Model):
    """A KEP's enhancement issue: its state, milestone, labels, and the pull requests that name it."""

    number: int
    state: IssueStateName = "unknown"
    title: str = ""
    milestone: str | None = None
    labels: list[str] = Field(default_factory=list)
    # Open or merged pull requests outside the issues repository that cross-reference the issue
    # (its timeline) or name KEP-<number>.
    referenced_by: list[str] = Field(default_factory=list)
    error: str | None = None


class Facts(_Model):
    """Everything one run read, as saved with ``--save``."""

    version: int = VERSION
    kind: str = KIND
    read_at: str
    endpoint: str
    issues_repo: str
    requests: NonNegativeInt = 0
    pulls: dict[str, Pull] = Field(default_factory=dict)
    issues: dict[str, Issue] = Field(default_factory=dict)

    @property
    def read_time(self) -> dt.datetime:
        when = dt.datetime.fromisoformat(self.read_at.replace("Z", "+00:00"))
        if when.tzinfo is None:
            raise ValueError(f"read_at {self.read_at!r} has no time zone")
        return when

    def pull(self, url: str) -> Pull:
        return self.pulls.get(url) or Pull(url=url, error="not in the snapshot")

    def issue(self, number: int) -> Issue:
        return self.issues.get(str(number)) or Issue(number=number, error="not in the snapshot")


def _keys_agree(facts: Facts) -> None:
    """Each pull request under its own URL, each issue under its own number (a hand edit can break it)."""
    for url, pull in facts.pulls.items():
        if pull.url != url:
            raise ValueError(f"pulls: {url!r} holds the pull request {pull.url!r}")
    for number, issue in facts.issues.items():
        if number != str(issue.number):
            raise ValueError(f"issues: {number!r} holds issue {issue.number}")


class SnapshotError(Exception):
    """A snapshot that cannot be read: one line naming the file and what is wrong."""


def save(facts: Facts, path: Path) -> None:
    path.write_text(json.dumps(facts.model_dump(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def load(path: Path) -> Facts:
    """The snapshot at ``path``; anything else (other JSON, a newer version, a cut file) is refused."""
    try:
        if path.stat().st_size > MAX_SNAPSHOT_BYTES:
            raise SnapshotError(f"{path}: larger than {MAX_SNAPSHOT_BYTES >> 20} MB, not a snapshot")
        raw = json.loads(path.read_bytes())
    except RecursionError:
        raise SnapshotError(f"{path}: nested too deep to be a snapshot") from None
    except FileNotFoundError:
        raise SnapshotError(
            f"{path}: no such file (make one with `receipt-lint status --save FILE`)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise SnapshotError(f"{path}: cannot be read: {error}") from None
    except ValueError as error:  # json.JSONDecodeError, with its line and column
        raise SnapshotError(f"{path}: not JSON: {error}") from None
    if not isinstance(raw, dict) or raw.get("kind") != KIND:
        raise SnapshotError(f"{path}: not a receipt-lint snapshot (made by `receipt-lint status --save`)")
    version = raw.get("version")
    if type(version) is not int or version != VERSION:
        raise SnapshotError(
            f"{path}: snapshot version {raw.get('version')!r}, this receipt-lint reads version {VERSION}"
        )
    try:
        facts = Facts.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        raise SnapshotError(f"{path}: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
    try:
        facts.read_time  # noqa: B018  (a read_at that is not a time is refused here)
    except ValueError as error:
        raise SnapshotError(f"{path}: read_at: {error}") from None
    try:
        _keys_agree(facts)
    except ValueError as error:
        raise SnapshotError(f"{path}: {error}") from None
    return facts
