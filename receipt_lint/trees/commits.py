"""Trees git holds: a commit's tree and the index, read through one ``git cat-file`` process;
and which paths a change touches."""

from __future__ import annotations

import bisect
import os
import stat
from typing import Any

from receipt_lint.model.files import MAX_BYTES, SYMLINKED_FILE, MissingFile, TreeError, is_safe_relative
from receipt_lint.model.findings import quoted
from receipt_lint.model.layout import release_folder
from receipt_lint.trees.git import SUBMODULE, WATCHED, Repo
from receipt_lint.trees.worktree import WorkTree

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
        self._sorted: dict[str, list[str]] = {}  # a listing's paths, sorted when a folder is asked for
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

    def _sorted_listing(self, prefix: str) -> list[str]:
        if prefix not in self._sorted:
            self._sorted[prefix] = sorted(self._listings[prefix])
        return self._sorted[prefix]

    def entry(self, path: str) -> Entry | None:
        """(mode, object id) of ``path``; None when the commit has no such file."""
        if not is_safe_relative(path):
            raise TreeError(f"{quoted(path)} is not a plain path inside the repository")
        for prefix, listing in self._listings.items():
            if path.startswith(prefix + "/"):
                found = listing.get(path)
                # ls-tree -r lists files only: a folder shows as the files under it.
                if found is None and holds_under(self._sorted_listing(prefix), path):
                    return (_FOLDER, "")
                return found
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



_FOLDER = 0o040000


def holds_under(paths: list[str], folder: str) -> bool:
    """Whether sorted file ``paths`` hold one under ``folder``: listings of files show a folder so."""
    at = bisect.bisect_left(paths, folder + "/")
    return at < len(paths) and paths[at].startswith(folder + "/")


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
    if mode == SUBMODULE:
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
        return holds_under(self._sorted, path)

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
    names = set(_lines(repo.git(*args, "--", *WATCHED)))
    if head is None and not staged:
        # diff-index without a refreshed index also lists files that were only
        # touched: keep those whose content really differs.
        base_tree, work_tree = CommitTree(repo, base), WorkTree(repo.root)
        names = {name for name in names if _differs_from(base_tree, work_tree, name)}
        names |= set(_lines(repo.git("ls-files", "--others", "--exclude-standard", "-z", "--", *WATCHED)))
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
