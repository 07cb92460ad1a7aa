"""What every command family shares: the usage error (exit 2), finding the repository,
reading ``--now`` and ``--release``, writing a report."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

if TYPE_CHECKING:
    pass


def quoted(text: str) -> str:
    """findings.quoted, imported when a message needs it: the command line starts git first."""
    from receipt_lint.model.findings import quoted as quote

    return quote(text)



class UsageError(Exception):
    """A user mistake: the message says what to do."""



class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")



def reader_gone() -> None:
    """Point stdout at /dev/null: what is still buffered for a closed pipe is dropped, not an error."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())



def write_text(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    from receipt_lint.reporters import UNDECODABLE

    try:
        Path(output).write_text(text, encoding="utf-8", errors=UNDECODABLE)
    except OSError as error:
        raise UsageError(f"cannot write {output}: {error.strerror}") from None



def use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()



def find_repo(repo: str | None, *, plain: bool = False) -> Path:
    """The checkout's top level: any folder inside it means the whole repository.

    (A sub-folder taken as the root would make git's paths relative to it, and
    a deletion elsewhere would go unseen.)  ``--repo`` may name a folder that is
    not a git checkout at all, for ``check --all`` on plain files.
    """
    if repo is not None:
        path = Path(repo)
        if not path.is_dir():
            raise UsageError(f"--repo {repo}: no such directory")
        return _git_top_level(path) or path.resolve()
    top = _git_top_level(None)
    if top is None and plain:
        return Path.cwd().resolve()
    if top is None:
        raise UsageError(
            "not inside a git repository: run in a kubernetes/enhancements checkout or pass --repo DIR"
        )
    return top



def _git_top_level(folder: Path | None) -> Path | None:
    where = ["-C", str(folder)] if folder is not None else []
    try:
        top = subprocess.run(
            ["git", *where, "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return Path(top).resolve() if top else None



def repo_relative(root: Path, name: str) -> str:
    """A FILE argument as a repo-relative path.

    Relative to the current folder when that is inside the repository (as a
    shell completes it), else to the repository's top level (``--repo`` run
    from elsewhere).
    """
    path = Path(name).resolve()
    if not Path(name).is_absolute() and not path.is_relative_to(root):
        path = (root / name).resolve()
    try:
        relative = path.relative_to(root).as_posix()
        return "" if relative == "." else relative
    except ValueError:
        raise UsageError(f"{name} is outside the repository {root}") from None



def parse_now(text: str | None) -> dt.datetime:
    """``--now``: a bare date is the start of that day in UTC (design doc section 5)."""
    if text is None:
        return dt.datetime.now(dt.timezone.utc)
    from receipt_lint.model.times import parse_time

    try:
        return parse_time(text, bare_date="start")
    except ValueError as error:
        raise UsageError(f"--now: {error}") from None



def parse_release_option(text: str | None) -> str | None:
    from receipt_lint.model.versions import parse_release

    if text is not None and parse_release(text) is None:
        raise UsageError(f"--release {quoted(text)} is not a release name: use vMAJOR.MINOR, e.g. v1.37")
    return text
