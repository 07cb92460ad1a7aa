"""Trees from git: a commit, the index, and what a change touches.

The working tree itself is read from disk (``tree.WorkTree``); git tells which
paths the change touches, so only those are parsed.

Git is run as the ``git`` program, a few processes per check: one resolves
every revision, one lists each tree, one long-lived ``cat-file --batch``
reads blobs.  Not GitPython: importing it costs 33 ms, 18% of the whole
budget of a one-receipt pull-request check (README, "Decisions").
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import os
import re
import stat
import subprocess
import threading
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Generic, NamedTuple, TypeVar, cast

from receipt_lint.findings import quoted
from receipt_lint.layout import release_folder
from receipt_lint.times import utc_text
from receipt_lint.tree import MAX_BYTES, SYMLINKED_FILE, MissingFile, TreeError, WorkTree, is_safe_relative

# What a change is checked for: receipts and KEPs, and the rule configuration (config-schema).
_WATCHED = ("releases", "keps", ".receipt-lint.yaml")
_SUBMODULE = 0o160000


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
            raise GitError(
                f"{role} revision {quoted(rev)} is not in this clone: fetch it, e.g. "
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


Entry = tuple[int, str]  # (mode, object id)


class CommitTree:
    """The files of one commit.

    ``label`` is the commit id.  ``files_under`` lists a folder once with
    ``git ls-tree -r`` (``releases/`` is all a check lists); any other file is
    found by reading its folder's tree object through the repository's one
    ``cat-file --batch`` process.  Listing the whole commit instead cost 12 ms
    per tree on a kubernetes/enhancements-sized repository.
    """

    def __init__(self, repo: Repo, commit: str) -> None:
        self.repo = repo
        self.label = commit
        self._listings: dict[str, dict[str, Entry]] = {}
        self._folders: dict[str, dict[str, Entry]] = {}

    def read(self, path: str, limit: int = MAX_BYTES) -> bytes:
        entry = self.entry(path)
        if entry is None:
            raise MissingFile(f"{path} does not exist")
        return read_blob(self.repo, path, *entry, limit=limit)

    def exists(self, path: str) -> bool:
        try:
            entry = self.entry(path)
        except TreeError:
            return False
        return entry is not None and not stat.S_ISDIR(entry[0])

    def files_under(self, prefix: str) -> list[str]:
        return sorted(self.entries_under(prefix))

    def entries_under(self, prefix: str) -> dict[str, Entry]:
        """path -> (mode, object id) of every file under ``prefix``, from one ``ls-tree``."""
        if prefix not in self._listings:
            # No -l: sizes would cost a lookup per blob; the cat-file header has them.
            listing = self.repo.git("ls-tree", "-r", "-z", "--full-tree", self.label, "--", prefix)
            entries = (_ls_tree_entry(line) for line in _lines(listing))
            # A symlink named ``prefix`` is listed as itself: it is no folder of files.
            self._listings[prefix] = {path: entry for path, entry in entries if path.startswith(prefix + "/")}
        return self._listings[prefix]

    def entry(self, path: str) -> Entry | None:
        """(mode, object id) of ``path``; None when the commit has no such file."""
        if not is_safe_relative(path):
            raise TreeError(f"{quoted(path)} is not a plain path inside the repository")
        for prefix, listing in self._listings.items():
            if path.startswith(prefix + "/"):
                return listing.get(path)
        folder, _, name = path.rpartition("/")
        return self._folder(folder).get(name)

    def _folder(self, folder: str) -> dict[str, Entry]:
        """name -> entry of one folder; empty when it is missing or not a folder.

        git resolves ``commit:a/b`` through trees only: a symlinked folder on
        the way is not followed, so it reads as missing.
        """
        if folder not in self._folders:
            found = self.repo.read_object(f"{self.label}:{folder}")
            data = found[2] if found is not None and found[0] == "tree" else None
            # A commit id is 40 hex digits (SHA-1) or 64 (SHA-256): half as many bytes.
            self._folders[folder] = _tree_entries(data, len(self.label) // 2) if data else {}
        return self._folders[folder]


def _tree_entries(data: bytes, id_size: int) -> dict[str, Entry]:
    """Parse a raw tree object: ``<mode> <name>\\0<binary id>`` repeated."""
    entries: dict[str, Entry] = {}
    at = 0
    while at < len(data):
        space = data.index(b" ", at)
        nul = data.index(b"\0", space)
        mode = int(data[at:space], 8)
        name = data[space + 1 : nul].decode("utf-8", errors="surrogateescape")
        entries[name] = (mode, data[nul + 1 : nul + 1 + id_size].hex())
        at = nul + 1 + id_size
    return entries


def _lines(listing: bytes) -> list[str]:
    return [line for line in listing.decode("utf-8", errors="surrogateescape").split("\0") if line]


def _ls_tree_entry(line: str) -> tuple[str, Entry]:
    meta, path = line.split("\t", 1)
    mode, _kind, sha = meta.split()
    return path, (int(mode, 8), sha)


class MissingObject(TreeError):
    """A blob this clone lacks (a partial or damaged clone): what the file says is unknown here."""


def read_blob(repo: Repo, path: str, mode: int, sha: str, *, limit: int = MAX_BYTES) -> bytes:
    if stat.S_ISLNK(mode):
        raise TreeError(f"{path} {SYMLINKED_FILE}")
    if mode == _SUBMODULE:
        raise TreeError(f"{path} is a submodule, not a file")
    if stat.S_ISDIR(mode):
        raise TreeError(f"{path} is a folder, not a file")
    found = repo.read_object(sha, limit)
    if found is None:
        raise MissingObject(f"{path}: git object {sha} is missing from this clone")
    _kind, size, content = found
    if content is None:
        raise TreeError(f"file is {size:,} bytes; the limit is {limit:,}")
    return content


class IndexTree:
    """The files staged in git's index (what pre-commit checks)."""

    label = "INDEX"

    def __init__(self, repo: Repo) -> None:
        self.repo = repo
        self.entries: dict[str, Entry] = {}
        self._sorted: list[str] | None = None
        for line in _lines(repo.git("ls-files", "--stage", "-z")):
            meta, path = line.split("\t", 1)
            mode, sha, stage = meta.split()
            if stage == "0":  # a conflicted path has stages 1-3 and no stage 0
                self.entries[path] = (int(mode, 8), sha)

    def read(self, path: str, limit: int = MAX_BYTES) -> bytes:
        entry = self.entries.get(path)
        if entry is None:
            if self._is_folder(path):  # the index lists files only: a folder is a prefix of some
                raise TreeError(f"{path} is a folder, not a file")
            raise MissingFile(f"{path} does not exist")
        return read_blob(self.repo, path, *entry, limit=limit)

    def _is_folder(self, path: str) -> bool:
        if self._sorted is None:
            self._sorted = sorted(self.entries)
        at = bisect.bisect_left(self._sorted, path + "/")
        return at < len(self._sorted) and self._sorted[at].startswith(path + "/")

    def exists(self, path: str) -> bool:
        return path in self.entries

    def files_under(self, prefix: str) -> list[str]:
        return sorted(path for path in self.entries if path.startswith(prefix + "/"))


def prefetch(repo: Repo, trees: tuple[Any, ...], changed: frozenset[str]) -> None:
    """Ask git now for what a check of ``changed`` will read first.

    The listings of the touched release folders, the ``cat-file`` process,
    and the base's top-level folder (where ``.receipt-lint.yaml`` would be);
    run in the thread that overlaps git with the imports.
    """
    releases = {release for release in map(release_folder, changed) if release is not None}
    for tree in trees:
        if isinstance(tree, (CommitTree, IndexTree)):
            for release in sorted(releases):
                tree.files_under(f"releases/{release}")
    repo.start_reading()
    if isinstance(trees[0], CommitTree):
        trees[0].exists(".receipt-lint.yaml")


def changed_paths(repo: Repo, base: str, head: str | None, *, staged: bool) -> frozenset[str]:
    """Paths under releases/ and keps/ (and `.receipt-lint.yaml`) that differ between ``base`` and the head.

    ``head`` is a commit id, or None for the index (``staged``) or the working
    tree (untracked files included).  Plumbing only: porcelain ``git diff``
    against the working tree rewrites the index to refresh its stat data, even
    with GIT_OPTIONAL_LOCKS=0, and a check must never change the repository.
    """
    if head is not None:
        args = ["diff-tree", "-r", "--name-only", "--no-renames", "-z", base, head]
    else:
        args = ["diff-index", *(["--cached"] if staged else []), "--name-only", "--no-renames", "-z", base]
    names = set(_lines(repo.git(*args, "--", *_WATCHED)))
    if head is None and not staged:
        # diff-index without a refreshed index also lists files that were only
        # touched: keep those whose content really differs.
        base_tree, work_tree = CommitTree(repo, base), WorkTree(repo.root)
        names = {name for name in names if _differs_from(base_tree, work_tree, name)}
        names |= set(_lines(repo.git("ls-files", "--others", "--exclude-standard", "-z", "--", *_WATCHED)))
    return frozenset(names)


def _differs_from(commit: CommitTree, work_tree: WorkTree, path: str) -> bool:
    """Whether the working-tree file ``path`` differs from its blob in ``commit``.

    A file reached through a symlinked folder differs: the working tree, like
    git, does not follow the link, so for the check the file is not there.
    """
    repo = commit.repo
    try:
        entry = commit.entry(path)
        if work_tree.linked_folder(os.path.dirname(path)) is not None:
            return True
    except TreeError:
        return True  # a name git can list but not look up (a newline in it): the check reports it
    try:
        info = os.lstat(repo.root / path)
        if entry is None or not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return True
        content = (repo.root / path).read_bytes()
    except OSError:
        return True  # deleted, or unreadable: let the check say what it is
    import hashlib  # only here: loading OpenSSL costs 5 ms that a commit-to-commit check never needs

    header = b"blob %d\0" % len(content)
    # git's object id, not a security hash: sha1 in most repositories, sha256 in some.
    digest = hashlib.sha1(usedforsecurity=False) if len(commit.label) == 40 else hashlib.sha256()
    digest.update(header + content)
    mode, blob = entry
    return blob != digest.hexdigest() or not stat.S_ISREG(mode)


class CiContext(NamedTuple):
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


def commit_date(repo: Repo, commit: str) -> dt.datetime:
    """A commit's committer date, in UTC."""
    text = repo.git("show", "-s", "--format=%cI", commit).decode().strip()
    return dt.datetime.fromisoformat(text).astimezone(dt.timezone.utc)


def first_parent_touches(repo: Repo, head: str, folder: str) -> bool:
    """Whether any first-parent commit of ``head`` changed something under ``folder``."""
    return bool(repo.git("log", "--first-parent", "-1", "--format=%H", head, "--", f"{folder}/").strip())


def first_parent_before(repo: Repo, head: str, when: dt.datetime) -> str | None:
    """The newest first-parent commit of ``head`` committed strictly before ``when``, if any."""
    # git's --before takes a commit dated exactly then: the last whole second before ``when``.
    seconds = math.ceil(when.timestamp()) - 1
    if seconds < 0:
        return None
    # Seconds since the epoch: git's date parser misreads an ISO date from the year 2100 on. It
    # reads @N as seconds only from nine digits on (1973-03-03): below, an ISO time it reads well.
    stamp = f"@{seconds}" if seconds >= 100_000_000 else utc_text(when - dt.timedelta(seconds=1))
    found = repo.git("rev-list", "--first-parent", "-1", f"--before={stamp}", head).decode().split()
    return found[0] if found else None


# --- history: the first-parent log of releases/, and blobs read in one batch ---------------------

_PULL = re.compile(r"^Merge pull request #([0-9]+)\b|\(#([0-9]+)\)\s*$")
_ZERO = re.compile(r"0+")


class Commit(NamedTuple):
    sha: str
    parent: str | None
    date: dt.datetime  # committer date, UTC
    author: str  # "Name <email>"
    subject: str
    changes: tuple[tuple[str, Entry | None], ...]  # (path, new entry or None when deleted)

    @property
    def pull(self) -> int | None:
        """The pull request a subject names: ``Merge pull request #N`` or a trailing ``(#N)``."""
        match = _PULL.search(self.subject)
        return int(match[1] or match[2]) if match else None


def first_parent_log(repo: Repo, head: str, since: str | None = None) -> Iterator[Commit]:
    """The first-parent commits that touch releases/, oldest first, each with its raw diff."""
    revisions = f"{since}..{head}" if since else head
    output = repo.git(
        "-c",
        "log.showRoot=true",  # the root commit's files, whatever the user's config says: it creates them
        "log",
        "--first-parent",
        "--reverse",
        "--raw",
        "-z",
        "--no-renames",
        "--no-abbrev",
        "--format=%x1e%H %P%x1f%cI%x1f%an <%ae>%x1f%s",
        revisions,
        "--",
        "releases/",
    )
    header: list[str] | None = None
    changes: list[tuple[str, Entry | None]] = []
    tokens = output.decode("utf-8", errors="surrogateescape").split("\0")
    index = 0
    while index < len(tokens):
        token = tokens[index].lstrip("\n")
        index += 1
        if token.startswith("\x1e"):
            if header is not None:
                yield _commit(header, changes)
            header, changes = token[1:].split("\x1f", 3), []
        elif token.startswith(":") and index < len(tokens):
            changes.append((tokens[index], _new_entry(token)))
            index += 1
    if header is not None:
        yield _commit(header, changes)


def _commit(header: list[str], changes: list[tuple[str, Entry | None]]) -> Commit:
    ids, date, author, subject = [*header, "", "", ""][:4]
    sha, *parents = ids.split()
    when = dt.datetime.fromisoformat(date).astimezone(dt.timezone.utc)
    return Commit(sha, parents[0] if parents else None, when, author, subject, tuple(changes))


def _new_entry(meta: str) -> Entry | None:
    """``:old-mode new-mode old-id new-id status`` -> the path's entry after the commit."""
    _old_mode, new_mode, _old_id, new_id, _status = meta[1:].split(" ", 4)
    return None if _ZERO.fullmatch(new_mode) else (int(new_mode, 8), new_id)


def added_blobs(commits: list[Commit]) -> list[str]:
    """Every blob the commits put under releases/, once each, in order."""
    return list(
        dict.fromkeys(entry[1] for commit in commits for _, entry in commit.changes if entry is not None)
    )


def read_blobs(repo: Repo, ids: list[str]) -> dict[str, bytes]:
    """The content of many blobs from one ``git cat-file --batch`` run (missing and huge ones left out).

    One process with all the ids on its input: a round trip per blob through
    the long-lived reader cost 0.4 ms each, most of a history replay.
    """
    query = "".join(f"{blob}\n" for blob in ids)
    sizes = repo.git("cat-file", "--batch-check", input_text=query).split(b"\n")[: len(ids)]
    small = [
        blob for blob, line in zip(ids, sizes, strict=True) if _small_blob(line)
    ]  # never load a huge one
    if not small:
        return {}
    output = repo.git("cat-file", "--batch", input_text="".join(f"{blob}\n" for blob in small))
    blobs: dict[str, bytes] = {}
    at = 0
    while at < len(output):
        end = output.index(b"\n", at)
        header = output[at:end].split()
        at = end + 1
        if len(header) != 3:  # "<id> missing"
            continue
        size = int(header[2])
        if header[1] == b"blob":
            blobs[header[0].decode()] = output[at : at + size]
        at += size + 1
    return blobs


def _small_blob(check_line: bytes) -> bool:
    fields = check_line.split()
    return len(fields) == 3 and fields[1] == b"blob" and int(fields[2]) <= MAX_BYTES


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
