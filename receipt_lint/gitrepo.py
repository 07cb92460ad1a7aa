"""Trees from git (GitPython): a commit, the index, and what a change touches.

The working tree itself is read from disk (``tree.WorkTree``); git tells which
paths the change touches, so only those are parsed.
"""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from receipt_lint.loader import MAX_BYTES
from receipt_lint.tree import MissingFile, TreeError, is_safe_relative

_WATCHED = ("releases", "keps")


class GitError(Exception):
    """Git cannot give what the check needs; the message says how to fix it."""


def open_repo(root: Path) -> Any:
    import git  # a heavy import: only diff mode pays for it

    try:
        return git.Repo(root, search_parent_directories=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{root} is not a git repository: run in a checkout or pass --repo") from None


def resolve_commit(repo: Any, rev: str, *, role: str) -> Any:
    try:
        return repo.commit(rev)
    except Exception:  # GitPython raises BadName, ValueError or GitCommandError
        raise GitError(
            f"{role} revision {rev!r} is not in this clone: fetch it, e.g. "
            f"`git fetch origin {rev}` (or `git fetch --unshallow` in a shallow clone)"
        ) from None


def merge_base(repo: Any, base: Any, head: Any) -> Any:
    try:
        bases = repo.merge_base(base, head)
    except Exception:
        bases = []
    if not bases:
        raise GitError(
            f"no merge-base of {base.hexsha[:12]} and {head.hexsha[:12]}: the history is "
            "too shallow; run `git fetch --unshallow` (or `git fetch --deepen=100`)"
        )
    return bases[0]


class CommitTree:
    """The files of one commit, listed once with ``git ls-tree``.

    One listing and the persistent ``git cat-file`` process replace
    GitPython's tree objects, which re-parse a tree on every path lookup.
    """

    def __init__(self, repo: Any, commit: Any) -> None:
        self.repo = repo
        self.label = str(commit.hexsha)
        self._entries: dict[str, tuple[int, str]] | None = None

    @property
    def entries(self) -> dict[str, tuple[int, str]]:
        """path -> (mode, object sha) for every file of the commit."""
        if self._entries is None:
            # No -l: sizes would cost a lookup per blob; the cat-file header has them.
            listing = self.repo.git.ls_tree("-r", "-z", "--full-tree", self.label)
            self._entries = dict(_ls_tree_entry(line) for line in listing.split("\0") if line)
        return self._entries

    def read(self, path: str) -> bytes:
        if not is_safe_relative(path):
            raise TreeError(f"{path!r} is not a plain path inside the repository")
        entry = self.entries.get(path)
        if entry is None:
            raise MissingFile(f"{path} does not exist")
        mode, sha = entry
        return _read_blob(self.repo, path, mode, bytes.fromhex(sha))

    def exists(self, path: str) -> bool:
        return path in self.entries

    def files_under(self, prefix: str) -> list[str]:
        return sorted(path for path in self.entries if path.startswith(prefix + "/"))


def _ls_tree_entry(line: str) -> tuple[str, tuple[int, str]]:
    meta, path = line.split("\t", 1)
    mode, _kind, sha = meta.split()
    return path, (int(mode, 8), sha)


def _read_blob(repo: Any, path: str, mode: int, binsha: bytes) -> bytes:
    if stat.S_ISLNK(mode):
        raise TreeError(f"{path} is a symlink; receipts and KEP files must be regular files")
    if mode == 0o160000:
        raise TreeError(f"{path} is a submodule, not a file")
    stream = repo.odb.stream(binsha)
    data = stream.read()  # read it all: the shared cat-file process must stay in step
    if stream.size > MAX_BYTES:
        raise TreeError(f"file is {stream.size:,} bytes; the limit is {MAX_BYTES:,}")
    return bytes(data)


class IndexTree:
    """The files staged in git's index (what pre-commit checks)."""

    label = "INDEX"

    def __init__(self, repo: Any) -> None:
        self.repo = repo
        self.entries = {path: entry for (path, stage), entry in repo.index.entries.items() if stage == 0}

    def read(self, path: str) -> bytes:
        entry = self.entries.get(path)
        if entry is None:
            raise MissingFile(f"{path} does not exist")
        return _read_blob(self.repo, path, entry.mode, entry.binsha)

    def exists(self, path: str) -> bool:
        return path in self.entries

    def files_under(self, prefix: str) -> list[str]:
        return sorted(path for path in self.entries if path.startswith(prefix + "/"))


def changed_paths(repo: Any, base: Any, head: Any | None, *, staged: bool) -> frozenset[str]:
    """Paths under releases/ and keps/ that differ between ``base`` and the head.

    ``head`` is a commit, or None for the index (``staged``) or the working
    tree (untracked files included).
    """
    args = ["--name-only", "--no-renames", "-z", base.hexsha]
    if head is not None:
        args.append(head.hexsha)
    elif staged:
        args.insert(0, "--cached")
    names = set(repo.git.diff(*args, "--", *_WATCHED).split("\0"))
    if head is None and not staged:
        untracked = repo.git.ls_files("--others", "--exclude-standard", "-z", "--", *_WATCHED)
        names |= set(untracked.split("\0"))
    return frozenset(name for name in names if name)


@dataclass(frozen=True)
class CiContext:
    """What the CI environment says about the change."""

    base: str | None
    author: str | None


def ci_context(environ: dict[str, str]) -> CiContext:
    """Prow's PULL_BASE_SHA and JOB_SPEC, or GitHub Actions' event file."""
    if environ.get("PULL_BASE_SHA"):
        return CiContext(environ["PULL_BASE_SHA"], _prow_author(environ.get("JOB_SPEC", "")))
    pull = _mapping(_github_event(environ.get("GITHUB_EVENT_PATH")), "pull_request")
    base = _mapping(pull, "base").get("sha")
    if not isinstance(base, str) and environ.get("GITHUB_BASE_REF"):
        base = f"origin/{environ['GITHUB_BASE_REF']}"
    author = _mapping(pull, "user").get("login")
    return CiContext(base if isinstance(base, str) else None, author if isinstance(author, str) else None)


def _mapping(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _prow_author(job_spec: str) -> str | None:
    try:
        author = json.loads(job_spec)["refs"]["pulls"][0]["author"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return author if isinstance(author, str) else None


def _github_event(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return event if isinstance(event, dict) else {}


def default_base(repo: Any, fallback: str | None = None) -> str:
    for candidate in ("origin/HEAD", "origin/master", "origin/main", *([fallback] if fallback else [])):
        try:
            repo.commit(candidate)
        except Exception:
            continue
        return candidate
    raise GitError("no base to diff against: pass --base REV (e.g. --base origin/master), or use --all")
