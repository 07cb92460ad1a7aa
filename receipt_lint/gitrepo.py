"""Trees from git: a commit, the index, and what a change touches.

The working tree itself is read from disk (``tree.WorkTree``); git tells which
paths the change touches, so only those are parsed.

Git is run as the ``git`` program, a few processes per check: one resolves
every revision, one lists each tree, one long-lived ``cat-file --batch``
reads blobs.  Not GitPython: importing it costs 33 ms, 18% of the whole
budget of a one-receipt pull-request check (README, "Decisions").
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from receipt_lint.loader import MAX_BYTES
from receipt_lint.tree import MissingFile, TreeError, is_safe_relative

_WATCHED = ("releases", "keps")
_SUBMODULE = 0o160000


class GitError(Exception):
    """Git cannot give what the check needs; the message says how to fix it."""


class Repo:
    """One repository, reached through the ``git`` program."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # Read-only commands must not refresh and rewrite the index behind the user's back.
        self._env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
        self._blobs: _BlobReader | None = None

    def git(self, *args: str, input_text: str | None = None) -> bytes:
        """Run ``git args`` in the repository; a failure raises GitError with git's message."""
        try:
            done = subprocess.run(
                ["git", "-C", str(self.root), *args],
                input=input_text.encode() if input_text is not None else None,
                capture_output=True,
                env=self._env,
                check=False,
            )
        except OSError as error:
            raise GitError(f"cannot run git: {error.strerror}: install git") from None
        if done.returncode != 0:
            message = done.stderr.decode(errors="replace").strip()
            if "not a git repository" in message:
                raise GitError(f"{self.root} is not a git repository: run in a checkout or pass --repo")
            last = message.splitlines()[-1] if message else f"exit {done.returncode}"
            raise GitError(f"git {args[0]} failed: {last}")
        return done.stdout

    def commits(self, revs: list[str]) -> dict[str, str | None]:
        """Each revision's commit id, or None when this clone does not have it; one git process."""
        wanted = [rev for rev in revs if rev and "\n" not in rev]
        query = "".join(f"{rev}^{{commit}}\n" for rev in wanted)
        answers = self.git("cat-file", "--batch-check", input_text=query).decode(errors="replace")
        found: dict[str, str | None] = dict.fromkeys(revs)
        for rev, line in zip(wanted, answers.splitlines(), strict=True):
            fields = line.split()
            found[rev] = fields[0] if len(fields) == 3 and fields[1] == "commit" else None
        return found

    def read_blob(self, sha: str) -> tuple[int, bytes | None]:
        """(size, content); content is None when the blob is over MAX_BYTES (never held)."""
        if self._blobs is None:
            self._blobs = _BlobReader(self.root, self._env)
        return self._blobs.read(sha)


def open_repo(root: Path) -> Repo:
    """The repository at ``root``; that it is one shows at the first git command."""
    return Repo(root)


def resolve_commits(repo: Repo, revs: dict[str, str]) -> dict[str, str]:
    """``{role: rev}`` -> ``{role: commit id}``, in one git process."""
    found = repo.commits(list(revs.values()))
    for role, rev in revs.items():
        if found.get(rev) is None:
            raise GitError(
                f"{role} revision {rev!r} is not in this clone: fetch it, e.g. "
                f"`git fetch origin {rev}` (or `git fetch --unshallow` in a shallow clone)"
            )
    return {role: found[rev] or "" for role, rev in revs.items()}


def merge_base(repo: Repo, base: str, head: str) -> str:
    try:
        fork = repo.git("merge-base", base, head).decode().split()
    except GitError:
        fork = []
    if not fork:
        raise GitError(
            f"no merge-base of {base[:12]} and {head[:12]}: the history is "
            "too shallow; run `git fetch --unshallow` (or `git fetch --deepen=100`)"
        )
    return fork[0]


class _BlobReader:
    """A long-lived ``git cat-file --batch``: one process for every blob a check reads."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self._process = subprocess.Popen(
            ["git", "-C", str(root), "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        weakref.finalize(self, _stop, self._process)

    def read(self, sha: str) -> tuple[int, bytes | None]:
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(sha.encode() + b"\n")
        process.stdin.flush()
        header = process.stdout.readline().split()
        if len(header) != 3:
            raise TreeError(f"git cat-file cannot read object {sha}")
        size = int(header[2])
        # Read it all (a huge blob in chunks, then dropped): the process must stay in step.
        if size > MAX_BYTES:
            _skip(process.stdout, size)
            content = None
        else:
            content = _read_exactly(process.stdout, size)
        process.stdout.read(1)  # the newline after every object
        return size, content


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise TreeError("git cat-file stopped in the middle of an object")
    return data


def _skip(stream: IO[bytes], size: int) -> None:
    while size > 0:
        chunk = stream.read(min(size, 1 << 20))
        if not chunk:
            raise TreeError("git cat-file stopped in the middle of an object")
        size -= len(chunk)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        process.stdin.close()
    process.wait()
    if process.stdout is not None:
        process.stdout.close()


class CommitTree:
    """The files of one commit, listed once with ``git ls-tree``.

    ``label`` is the commit id.  Blobs are read through the repository's one
    ``cat-file --batch`` process.
    """

    def __init__(self, repo: Repo, commit: str) -> None:
        self.repo = repo
        self.label = commit
        self._entries: dict[str, tuple[int, str]] | None = None

    @property
    def entries(self) -> dict[str, tuple[int, str]]:
        """path -> (mode, object id) for every file of the commit."""
        if self._entries is None:
            # No -l: sizes would cost a lookup per blob; the cat-file header has them.
            listing = self.repo.git("ls-tree", "-r", "-z", "--full-tree", self.label)
            self._entries = dict(_ls_tree_entry(line) for line in _lines(listing))
        return self._entries

    def read(self, path: str) -> bytes:
        if not is_safe_relative(path):
            raise TreeError(f"{path!r} is not a plain path inside the repository")
        entry = self.entries.get(path)
        if entry is None:
            raise MissingFile(f"{path} does not exist")
        return _read_blob(self.repo, path, *entry)

    def exists(self, path: str) -> bool:
        return path in self.entries

    def files_under(self, prefix: str) -> list[str]:
        return sorted(path for path in self.entries if path.startswith(prefix + "/"))


def _lines(listing: bytes) -> list[str]:
    return [line for line in listing.decode("utf-8", errors="surrogateescape").split("\0") if line]


def _ls_tree_entry(line: str) -> tuple[str, tuple[int, str]]:
    meta, path = line.split("\t", 1)
    mode, _kind, sha = meta.split()
    return path, (int(mode, 8), sha)


def _read_blob(repo: Repo, path: str, mode: int, sha: str) -> bytes:
    if stat.S_ISLNK(mode):
        raise TreeError(f"{path} is a symlink; receipts and KEP files must be regular files")
    if mode == _SUBMODULE:
        raise TreeError(f"{path} is a submodule, not a file")
    size, content = repo.read_blob(sha)
    if content is None:
        raise TreeError(f"file is {size:,} bytes; the limit is {MAX_BYTES:,}")
    return content


class IndexTree:
    """The files staged in git's index (what pre-commit checks)."""

    label = "INDEX"

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.entries: dict[str, tuple[int, str]] = {}
        for line in _lines(repo.git("ls-files", "--stage", "-z")):
            meta, path = line.split("\t", 1)
            mode, sha, stage = meta.split()
            if stage == "0":  # a conflicted path has stages 1-3 and no stage 0
                self.entries[path] = (int(mode, 8), sha)

    def read(self, path: str) -> bytes:
        entry = self.entries.get(path)
        if entry is None:
            raise MissingFile(f"{path} does not exist")
        return _read_blob(self.repo, path, *entry)

    def exists(self, path: str) -> bool:
        return path in self.entries

    def files_under(self, prefix: str) -> list[str]:
        return sorted(path for path in self.entries if path.startswith(prefix + "/"))


def changed_paths(repo: Repo, base: str, head: str | None, *, staged: bool) -> frozenset[str]:
    """Paths under releases/ and keps/ that differ between ``base`` and the head.

    ``head`` is a commit id, or None for the index (``staged``) or the working
    tree (untracked files included).
    """
    args = ["diff", "--name-only", "--no-renames", "--no-ext-diff", "-z", base]
    if head is not None:
        args.append(head)
    elif staged:
        args.insert(1, "--cached")
    names = set(_lines(repo.git(*args, "--", *_WATCHED)))
    if head is None and not staged:
        names |= set(_lines(repo.git("ls-files", "--others", "--exclude-standard", "-z", "--", *_WATCHED)))
    return frozenset(names)


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


def default_base(repo: Repo, fallback: str | None = None) -> str:
    candidates = ["origin/HEAD", "origin/master", "origin/main", *([fallback] if fallback else [])]
    found = repo.commits(candidates)
    for candidate in candidates:
        if found[candidate] is not None:
            return candidate
    raise GitError("no base to diff against: pass --base REV (e.g. --base origin/master), or use --all")
