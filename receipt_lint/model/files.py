"""What a tree of files is to the rest of the code: the ``Tree`` protocol, its errors, its size limit,
and what a safe repo-relative path is.  The trees themselves (working tree, index, commits) live in
``receipt_lint.trees``."""

from __future__ import annotations

from typing import Protocol

MAX_BYTES = 1 << 20  # the largest file any tree hands over: bigger is no receipt



class TreeError(Exception):
    """A file that cannot be read; the message says why, for the user."""



class MissingFile(TreeError):
    """The path names no file."""



class Tree(Protocol):
    label: str

    def read(self, path: str, limit: int = ...) -> bytes: ...

    def exists(self, path: str) -> bool: ...

    def files_under(self, prefix: str) -> list[str]: ...



_NOT_IN_PATHS = frozenset(chr(code) for code in range(32)) | {"\\"}



def is_safe_relative(path: str) -> bool:
    """A plain repo-relative path: no empty, ``.`` or ``..`` segment, no control character or backslash."""
    parts = path.split("/")
    return (
        bool(path)
        and "" not in parts
        and "." not in parts
        and ".." not in parts
        and _NOT_IN_PATHS.isdisjoint(path)
    )



SYMLINKED_FILE = "is a symlink; receipts and KEP files must be regular files"
