"""The git program, run for us: one repository, its commits, and one long-lived object reader.

Git is run as the `git` program (plumbing, one batch process), not through
GitPython: docs/decisions.md has the measurements."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import IO, Generic, TypeVar, cast

from receipt_lint.model.files import MAX_BYTES, TreeError
from receipt_lint.model.findings import quoted

# What a change is checked for: receipts and KEPs, and the rule configuration (config-schema).
WATCHED = ("releases", "keps", ".receipt-lint.yaml")



SUBMODULE = 0o160000



class GitError(Exception):
    """Git cannot give what the check needs; the message says how to fix it."""



class Repo:
    """One repository, reached through the ``git`` program."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # Read-only commands must not refresh and rewrite the index behind the user's back.
        # GIT_LITERAL_PATHSPECS: a path after -- is a path, never a pattern.
        # GIT_NO_REPLACE_OBJECTS: a commit id means the objects it names, in every clone (`git
        # replace` would lend it another tree, and history's cache keys on the id).
        self._env = {
            **os.environ,
            "GIT_OPTIONAL_LOCKS": "0",
            "GIT_LITERAL_PATHSPECS": "1",
            "GIT_NO_REPLACE_OBJECTS": "1",
            "LC_ALL": "C",
        }
        self._objects: _CatFile | None = None

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

    def start_reading(self) -> None:
        """Start the ``cat-file --batch`` process now (reads start it anyway)."""
        if self._objects is None:
            self._objects = _CatFile(self.root, self._env)

    def read_object(self, name: str, limit: int = MAX_BYTES) -> tuple[str, int, bytes | None] | None:
        """(type, size, content) of an object name like ``<id>`` or ``<commit>:<path>``.

        None when there is no such object; content None when it is over ``limit`` bytes.
        """
        self.start_reading()
        assert self._objects is not None
        return self._objects.read(name, limit)



def open_repo(root: Path) -> Repo:
    """The repository at ``root``; that it is one shows at the first git command."""
    return Repo(root)



def resolve_commits(repo: Repo, revs: dict[str, str]) -> dict[str, str]:
    """``{role: rev}`` -> ``{role: commit id}``, in one git process."""
    found = repo.commits(list(revs.values()))
    for role, rev in revs.items():
        if found.get(rev) is None and rev == "HEAD":
            raise GitError("HEAD names no commit: the repository has no commits yet")
        if found.get(rev) is None:
            raise GitError(f"{role} revision {quoted(rev)} is not in this clone: {_how_to_fetch(rev)}")
    return {role: found[rev] or "" for role, rev in revs.items()}



def _how_to_fetch(rev: str) -> str:
    """A fetch git accepts: a branch by its name; ``HEAD~3`` or a commit id by deepening the clone."""
    branch = rev.removeprefix("refs/remotes/")
    if re.search(r"[~^@:]", branch) or re.fullmatch(r"[0-9a-f]{7,64}", branch):
        return "deepen the clone: `git fetch --deepen=100` (or `git fetch --unshallow` for all of it)"
    remote, _, name = branch.partition("/") if "/" in branch else ("origin", "", branch)
    # A refspec, not a bare name: a single-branch clone (a default shallow one) would only set FETCH_HEAD.
    said = f"`git fetch {remote} {name}:refs/remotes/{remote}/{name}`"
    rest = "" if "/" in branch else f", then pass --base {remote}/{name}"
    return f"fetch it with {said}{rest} (in a shallow clone, `git fetch --unshallow` too)"


def is_shallow(repo: Repo) -> bool:
    """Whether the clone lacks history (a default actions/checkout is depth 1)."""
    return repo.git("rev-parse", "--is-shallow-repository").strip() == b"true"


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



class _CatFile:
    """A long-lived ``git cat-file --batch``: one process for every object a check reads."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        try:
            self._process = subprocess.Popen(
                ["git", "-C", str(root), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except OSError as error:
            raise GitError(f"cannot run git: {error.strerror}: install git") from None
        weakref.finalize(self, _stop, self._process)

    def read(self, name: str, limit: int = MAX_BYTES) -> tuple[str, int, bytes | None] | None:
        """(type, size, content) of object ``name``, None if missing; content None if over ``limit``."""
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(name.encode("utf-8", errors="surrogateescape") + b"\n")
        process.stdin.flush()
        header = process.stdout.readline().split()
        if len(header) != 3:  # "<name> missing" (or ambiguous): nothing follows
            if not header:
                raise TreeError(f"git cat-file stopped before reading {name}")
            return None
        kind, size = header[1].decode(), int(header[2])
        # Read it all (a huge blob in chunks, then dropped): the process must stay in step.
        if size > limit:
            _skip(process.stdout, size)
            content = None
        else:
            content = _read_exactly(process.stdout, size)
        process.stdout.read(1)  # the newline after every object
        return kind, size, content



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



def default_base(repo: Repo, fallback: str | None = None) -> str:
    candidates = ["origin/HEAD", "origin/master", "origin/main", *([fallback] if fallback else [])]
    found = repo.commits(candidates)
    for candidate in candidates:
        if found[candidate] is not None:
            return candidate
    raise GitError("no base to diff against: pass --base REV (e.g. --base origin/master), or use --all")



def commit_date(repo: Repo, commit: str) -> dt.datetime:
    """A commit's committer date, in UTC."""
    text = repo.git("show", "-s", "--format=%cI", commit).decode().strip()
    return dt.datetime.fromisoformat(text).astimezone(dt.timezone.utc)



T = TypeVar("T")



class Background(Generic[T]):
    """``work()`` in a thread; ``result()`` waits, then returns its value or raises its error.

    Git works in its own process, so what it reads overlaps what Python does
    meanwhile (importing the rules, reading a cache).
    """

    def __init__(self, work: Callable[[], T]) -> None:
        self._work = work
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="receipt-lint-git", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as error:  # handed to the caller of result()
            self._error = error

    def result(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return cast(T, self._value)
