"""Reading files of a checkout without ever leaving it.

A ``Tree`` is what the rules read: for ``check --all`` the working tree on
disk.  Paths are repo-relative with ``/``.  Nothing outside the repository is
read: ``..`` and absolute paths are refused, a symlink that resolves outside
the root is refused, and only regular files are read (a FIFO would hang).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from receipt_lint.loader import MAX_BYTES


class TreeError(Exception):
    """A file that cannot be read; the message says why, for the user."""


class MissingFile(TreeError):
    """The path names no file."""


class Tree(Protocol):
    label: str

    def read(self, path: str) -> bytes: ...

    def exists(self, path: str) -> bool: ...

    def files_under(self, prefix: str) -> list[str]: ...


def is_safe_relative(path: str) -> bool:
    parts = path.split("/")
    return bool(path) and not path.startswith("/") and ".." not in parts and "" not in parts


class WorkTree:
    """The files on disk below ``root`` (tracked or not)."""

    label = "WORKTREE"

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._root_text = str(self.root)
        self._real_dirs: dict[str, str] = {}

    def _inside(self, path: str) -> str:
        """The absolute path of ``path``, once its folder is known to be inside the root."""
        if not is_safe_relative(path):
            raise TreeError(f"{path!r} is not a plain path inside the repository")
        full = os.path.join(self._root_text, path)
        if not self._contained(self._real_dir(os.path.dirname(full))):
            raise TreeError(f"{path} is under a symlink that leads outside the repository")
        return full

    def _real_dir(self, folder: str) -> str:
        """realpath of a folder below the root, cached per folder.

        Built from the parent's: a folder that is not a symlink costs one
        lstat, where ``os.path.realpath`` would lstat every component from
        ``/`` for each of the ~700 KEP folders.
        """
        real = self._real_dirs.get(folder)
        if real is None:
            real = self._real_dirs[folder] = self._resolve_dir(folder)
        return real

    def _resolve_dir(self, folder: str) -> str:
        parent, name = os.path.split(folder)
        if folder == self._root_text or not self._contained(parent):
            return os.path.realpath(folder)
        try:
            is_link = stat.S_ISLNK(os.lstat(folder).st_mode)
        except OSError:
            is_link = False  # missing: the open that follows says so
        if is_link:
            return os.path.realpath(folder)
        return os.path.join(self._real_dir(parent), name)

    def _contained(self, real: str) -> bool:
        return real == self._root_text or real.startswith(self._root_text + os.sep)

    def read(self, path: str) -> bytes:
        fd = self._open(path, self._inside(path))
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise TreeError(f"{path} is not a regular file")
            if info.st_size > MAX_BYTES:
                raise TreeError(f"file is {info.st_size:,} bytes; the limit is {MAX_BYTES:,}")
            return _read_at_most(fd, info.st_size, MAX_BYTES + 1)
        except OSError as error:
            raise TreeError(f"{path} cannot be read: {error.strerror}") from None
        finally:
            os.close(fd)

    def _open(self, path: str, full: str) -> int:
        """Open without following a final symlink, then follow it only if it stays inside.

        One ``open`` instead of lstat, stat and open: this runs for every file
        of ``check --all``.  O_NONBLOCK keeps a FIFO from hanging the open.
        """
        try:
            try:
                return os.open(full, _OPEN_FLAGS | os.O_NOFOLLOW)
            except OSError as error:
                if error.errno != errno.ELOOP:
                    raise
            real = os.path.realpath(full)
            if not self._contained(real):
                raise TreeError(f"{path} is a symlink that leads outside the repository")
            return os.open(real, _OPEN_FLAGS)
        except FileNotFoundError:
            raise MissingFile(f"{path} does not exist") from None
        except OSError as error:
            raise TreeError(f"{path} cannot be read: {error.strerror}") from None

    def exists(self, path: str) -> bool:
        try:
            full = self._inside(path)
        except TreeError:
            return False
        if os.path.islink(full) and not self._contained(os.path.realpath(full)):
            return False
        return os.path.isfile(full)

    def files_under(self, prefix: str) -> list[str]:
        top = self.root / prefix
        if top.is_symlink() or not top.is_dir():
            return []
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
    with os.scandir(folder) as entries:
        for entry in entries:
            child = f"{relative}/{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(Path(entry.path), child)
            else:
                yield child
