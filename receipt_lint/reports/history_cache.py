"""The steps ``history`` has judged, by commit, kept between runs.

A commit's steps are a function of the commit alone (its id fixes its first
parent, both trees and its date) and of the code that judges them.  So the key
is the commit id, valid in every clone, and the file is named by a fingerprint
of receipt-lint's own source: an upgrade, or any edit of an editable install,
starts a new file.  The cache only ever saves work: a file that is missing,
unreadable, garbled or written by another format reads as empty, and a cache
that cannot be written is skipped.  Nothing here is in the repository.

Where: ``$RECEIPT_LINT_CACHE_DIR`` (the folder itself), else
``$XDG_CACHE_HOME/receipt-lint``, else ``~/.cache/receipt-lint``; relative paths are ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

FORMAT = 1
MAX_BYTES = 64 << 20  # a bigger file is not ours to parse: start again
KEEP_FILES = 3  # fingerprints kept: a few installations may share one cache
KEEP_HEADS = 100


class HistoryCache:
    def __init__(self, path: Path, rows: dict[str, list[Any]], heads: list[str]) -> None:
        self.path = path
        self.rows = rows  # commit id -> that commit's steps, as history's rows
        # Heads whose whole history was read: a hint that the next run needs no replay
        # (so no import of the rules), never a promise; the rows decide.
        self.heads = heads

    @classmethod
    def open(cls) -> HistoryCache | None:
        """This installation's cache (empty when there is none yet); None when no folder can hold one."""
        folder = cache_folder()
        if folder is None:
            return None
        try:
            path = folder / f"history-{fingerprint()[:20]}.json"
        except OSError:  # an installation whose source cannot be read: no key to trust
            return None
        return cls(path, *_read(path))

    def save(self, rows: dict[str, list[Any]], head: str) -> None:
        """Add ``rows`` and ``head``; write the file whole, atomically; a failure leaves it as it was."""
        self.rows.update(rows)
        self.heads = [*[known for known in self.heads if known != head][-KEEP_HEADS + 1 :], head]
        document = json.dumps(
            {"format": FORMAT, "heads": self.heads, "commits": self.rows}, separators=(",", ":")
        )
        import tempfile  # only a run that replayed writes: the warm path never pays for the import

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, scratch = tempfile.mkstemp(prefix=".history-", dir=self.path.parent)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(document)
                os.replace(scratch, self.path)
            finally:
                if os.path.exists(scratch):
                    os.unlink(scratch)
            _prune(self.path.parent)
        except OSError:
            pass  # a read-only home, a full disk: the next run replays again


def cache_folder() -> Path | None:
    """Where the cache lives; None when there is no home to put it in (never the working folder)."""
    explicit = os.environ.get("RECEIPT_LINT_CACHE_DIR")
    if explicit and os.path.isabs(explicit):  # a relative one is ignored, as XDG says of its own
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    if base and os.path.isabs(base):
        return Path(base) / "receipt-lint"
    try:
        home = Path.home()
    except (RuntimeError, KeyError):  # no home directory to speak of
        return None
    return home / ".cache" / "receipt-lint" if home.is_absolute() else None


def fingerprint() -> str:
    """A hash of receipt-lint's source files: the rules that judged a cached step."""
    package = Path(__file__).parent.parent  # the whole of receipt_lint, not only reports/
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    for source in sorted(package.rglob("*.py")):
        digest.update(f"{source.relative_to(package).as_posix()}\n".encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _read(path: Path) -> tuple[dict[str, list[Any]], list[str]]:
    """The rows and heads of a cache file; a file that is not one reads as empty."""
    try:
        info = path.stat()
        if (
            not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES
        ):  # a FIFO would block, /dev/zero never end
            return {}, []
        document = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):  # RecursionError: JSON nested past Python's stack
        return {}, []
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return {}, []
    rows, heads = document.get("commits"), document.get("heads")
    if not isinstance(rows, dict) or not all(isinstance(value, list) for value in rows.values()):
        return {}, []
    if not isinstance(heads, list) or not all(isinstance(head, str) for head in heads):
        heads = []
    return rows, heads


_OURS = re.compile(r"history-[0-9a-f]{20}\.json")


def _prune(folder: Path) -> None:
    """Keep the newest few of our files: each older one belongs to a receipt-lint no longer run.

    Only files named as ``open`` names them: the folder may be shared.
    """
    ours = [path for path in folder.glob("history-*.json") if _OURS.fullmatch(path.name)]
    files = sorted(ours, key=lambda path: path.stat().st_mtime, reverse=True)
    for stale in files[KEEP_FILES:]:
        stale.unlink(missing_ok=True)
