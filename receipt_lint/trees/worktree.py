"""Reading files of a checkout without ever leaving it.

A ``Tree`` is what the rules read: for ``check --all`` the working tree on
disk.  Paths are repo-relative with ``/``.  Nothing outside the repository is
read: ``..``, ``.``, empty segments and absolute paths are refused, and only
regular files are read (a FIFO would hang).

No symlink below the root is followed, inside the repository or out: git's
trees cannot follow one (a symlinked folder reads as missing, a symlinked file
as a link), and the verdict must not depend on the mode (design doc section 2)."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from receipt_lint.model.files import MAX_BYTES, SYMLINKED_FILE, MissingFile, TreeError, is_safe_relative
from receipt_lint.model.findings import quoted


class WorkTree:
    """The files on disk below ``root`` (tracked or not)."""

    label = "WORKTREE"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._root_text = str(self.root)
        self._linked: dict[str, str | None] = {"": None}

    def _inside(self, path: str) -> str:
        """The absolute path of ``path``, once no folder on its way is a symlink."""
        if not is_safe_relative(path):
            raise TreeError(f"{quoted(path)} is not a plain path inside the repository")
        linked = self.linked_folder(os.path.dirname(path))
        if linked is not None:
            raise TreeError(f"{linked} is a symlink: receipt-lint, like git, does not follow it")
        return os.path.join(self._root_text, path)

    def linked_folder(self, folder: str) -> str | None:
        """The first folder on the way to ``folder`` (repo-relative) that is a symlink, if any.

        Cached per folder and built from the parent's answer: one lstat per
        folder of a ``check --all``, however many files it holds.
        """
        if folder in self._linked:
            return self._linked[folder]
        found = self.linked_folder(os.path.dirname(folder))
        if found is None:
            try:
                is_link = stat.S_ISLNK(os.lstat(os.path.join(self._root_text, folder)).st_mode)
            except OSError:
                is_link = False  # missing: the open that follows says so
            found = folder if is_link else None
        self._linked[folder] = found
        return found

    def read(self, path: str, limit: int = MAX_BYTES) -> bytes:
        fd = self._open(path, self._inside(path))
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):  # said as git's trees say it: one message in every mode
                raise TreeError(f"{path} is a folder, not a file")
            if not stat.S_ISREG(info.st_mode):
                raise TreeError(f"{path} is not a regular file")
            if info.st_size > limit:
                raise TreeError(f"file is {info.st_size:,} bytes; the limit is {limit:,}")
            return _read_at_most(fd, info.st_size, limit + 1)
        except OSError as error:
            raise TreeError(f"{path} cannot be read: {error.strerror}") from None
        finally:
            os.close(fd)

    def _open(self, path: str, full: str) -> int:
        """Open without following a symlink; O_NONBLOCK keeps a FIFO from hanging the open.

        One ``open`` instead of lstat, stat and open: this runs for every file
        of ``check --all``.
        """
        try:
            return os.open(full, _OPEN_FLAGS | os.O_NOFOLLOW)
        except (FileNotFoundError, NotADirectoryError):
            raise MissingFile(f"{path} does not exist") from None
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise TreeError(f"{path} {SYMLINKED_FILE}") from None
            raise TreeError(f"{path} cannot be read: {error.strerror}") from None

    def exists(self, path: str) -> bool:
        """Whether a file (not a folder) is there, as git would list it: a symlink counts."""
        try:
            full = self._inside(path)
            return not stat.S_ISDIR(os.lstat(full).st_mode)
        except (TreeError, OSError):
            return False

    def files_under(self, prefix: str) -> list[str]:
        top = self.root / prefix
        parts = prefix.split("/")
        if (
            not prefix
            or {"", ".", ".."} & set(parts)
            or self.linked_folder(prefix) is not None
            or not top.is_dir()
        ):
            return []  # a folder with a newline in its name is still listed: its files are findings
        return sorted(_walk(top, prefix))



_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)



def _read_at_most(fd: int, size: int, limit: int) -> bytes:
    """Up to ``limit`` bytes; asking for ``size + 1`` first makes one read the norm.

    (``os.read(fd, limit)`` would allocate ``limit`` bytes for every small file.)
    """
    chunks = []
    want = size + 1
    while limit > 0:
        chunk = os.read(fd, min(want, limit))
        if not chunk:
            break
        chunks.append(chunk)
        limit -= len(chunk)
        want = 1 << 16
    return b"".join(chunks)



def _walk(folder: Path, relative: str) -> Iterator[str]:
    try:
        with os.scandir(folder) as found:
            entries = list(found)
    except OSError:
        return  # an unreadable folder holds nothing we can check
    for entry in entries:
        child = f"{relative}/{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), child)
        else:
            yield child
