"""The working tree a verb changes: refusals (exit 1, or 2 for a value that names nothing),
writes that never leave the repository, moves with ``git mv``, and staging what was written."""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from receipt_lint.model.files import TreeError
from receipt_lint.model.findings import quoted
from receipt_lint.model.layout import ReceiptFile, receipt_files
from receipt_lint.model.versions import parse_release
from receipt_lint.rules.base import release_info
from receipt_lint.trees.snapshot import Snapshot
from receipt_lint.trees.worktree import WorkTree

Say = Callable[[str], None]



class WorkflowError(Exception):
    """A refused command: nothing was changed; the message says why."""



class BadArgument(WorkflowError):
    """A value that names nothing in the tree (a release with no folder, no such KEP): exit 2."""



@dataclass(frozen=True)
class Workspace:
    root: Path
    now: dt.datetime

    @property
    def snapshot(self) -> Snapshot:
        return Snapshot(WorkTree(self.root))

    def release_dir(self, release: str) -> Path:
        if parse_release(release) is None:
            raise BadArgument(f"{quoted(release)} is not a release name: use vMAJOR.MINOR, e.g. v1.37")
        folder = self.inside(f"releases/{release}")
        if not (folder / "OWNERS").is_file():
            raise BadArgument(
                f"--release {release}: there is no releases/{release} "
                f"(`receipt-lint create-release {release}` makes it)"
            )
        return folder

    def in_head(self, number: int, release: str) -> tuple[ReceiptFile | None, Snapshot] | None:
        """The KEP's receipt in ``release`` as HEAD has it (None: none there), and HEAD's snapshot;
        None when HEAD cannot say (no commits, not a git checkout, several receipts)."""
        from receipt_lint.trees import commits, git

        repo = git.open_repo(self.root)
        try:
            tree = commits.CommitTree(repo, git.resolve_commits(repo, {"HEAD": "HEAD"})["HEAD"])
            paths = tree.files_under(f"releases/{release}")
        except (git.GitError, TreeError):
            return None
        found = [file for file in receipt_files(paths) if file.number == number]
        return None if len(found) > 1 else (found[0] if found else None, Snapshot(tree))

    def inside(self, relative: str) -> Path:
        """``relative`` under the root, refused when any part of it is a symbolic link.

        Nothing is ever written (or read for a write) outside the repository:
        ``releases/v1.38 -> /elsewhere`` would take the receipt there.
        """
        path = self.root
        for part in relative.split("/"):
            path = path / part
            if path.is_symlink():
                shown = path.relative_to(self.root).as_posix()
                raise WorkflowError(
                    f"{shown} is a symbolic link: receipt-lint writes nothing outside the repository "
                    f"(make {shown} a real folder)"
                )
        return path

    def refuse_closed(self, release: str) -> None:
        """A shipped release's receipts are final: no verb changes them (design doc section 5)."""
        info = release_info(self.snapshot, release, self.now)
        if info.closed and info.deadlines is not None and info.deadlines.release is not None:
            shipped = info.said(info.deadlines.release)
            raise WorkflowError(
                f"release {release} has shipped (release date {shipped}): its receipts are final"
            )

    def receipt(self, number: int, release: str) -> ReceiptFile | None:
        self.release_dir(release)
        paths = WorkTree(self.root).files_under(f"releases/{release}")
        found = [file for file in receipt_files(paths) if file.number == number]
        if len(found) > 1:
            raise WorkflowError(f"KEP {number} has several receipts in {release}: fix that first")
        return found[0] if found else None

    def existing_receipt(self, number: int, release: str) -> ReceiptFile:
        file = self.receipt(number, release)
        if file is None:
            raise WorkflowError(f"KEP {number} has no receipt in {release}")
        return file

    def _git(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "-C", str(self.root), *args], capture_output=True, text=True, check=check
        )

    def tracked(self, path: str) -> bool:
        return self._git("ls-files", "--error-unmatch", "--", path).returncode == 0

    def unchanged(self, path: str) -> bool:
        """Tracked, and as git's index has it: staging it then adds only what we write.

        An untracked kep.yaml (a new KEP) is the author's to stage, whole.
        """
        return self.tracked(path) and self._git("diff", "--quiet", "--", path).returncode == 0

    def stage(self, say: Say, *paths: str) -> None:
        """``git add`` what a command wrote; outside a git checkout there is nothing to stage."""
        done = self._git("add", "--", *paths)
        if done.returncode != 0 and self._git("rev-parse", "--git-dir").returncode == 0:
            said = (done.stderr.strip().splitlines() or ["git add failed"])[-1]
            say(f"--> could not stage {', '.join(paths)}: {said}; git add it")

    def rename(self, old: str, new: str, text: str) -> None:
        """Move with ``git mv`` (git sees the rename) and write ``text``; staged if tracked.

        A move that cannot be finished is undone: the receipt goes back where it was.
        """
        self.inside(old)
        target = self.inside(new)
        _refuse_in_the_way(self.root, new)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WorkflowError(f"cannot make {Path(new).parent}: {error.strerror}") from None
        tracked = self.tracked(old)
        if not tracked:
            (self.root / old).rename(target)
        else:
            moved = self._git("mv", old, new)
            if moved.returncode != 0:
                raise WorkflowError(f"git mv {old} {new} failed: {moved.stderr.strip()}")
        try:
            write_exactly(target, text)
        except OSError as error:
            if tracked:
                self._git("mv", new, old)
            else:
                target.rename(self.root / old)
            raise WorkflowError(f"cannot write {new}: {error.strerror}") from None
        if tracked:  # the rewritten tracking-status too: a --staged check sees the whole move
            self._git("add", "--", new, check=True)

    def write_together(self, files: dict[str, str]) -> None:
        """Write every file or none: a failure puts back what was there (and removes what was not)."""
        for relative in files:
            _refuse_in_the_way(self.root, relative)
        before: dict[Path, bytes | None] = {}
        made: list[Path] = []  # folders this call created, to remove again on a failure
        try:
            for relative, text in files.items():
                path = self.inside(relative)
                before[path] = path.read_bytes() if path.exists() else None
                made += [folder for folder in reversed(path.parents) if not folder.exists()]
                path.parent.mkdir(parents=True, exist_ok=True)
                write_exactly(path, text)
        except OSError as error:
            _put_back(before, made)
            raise WorkflowError(f"cannot write {error.filename or 'a file'}: {error.strerror}") from None



def _refuse_in_the_way(root: Path, relative: str) -> None:
    """A folder where the file goes, or a file where one of its folders goes: say so, write nothing."""
    path = root
    parts = relative.split("/")
    for depth, part in enumerate(parts):
        path = path / part
        last = depth == len(parts) - 1
        if last and path.is_dir():
            raise WorkflowError(f"{relative} is a folder: a file must go there; move the folder away")
        if not last and path.exists() and not path.is_dir():
            shown = "/".join(parts[: depth + 1])
            raise WorkflowError(f"{shown} is a file where a folder must be: move it away")


def _put_back(before: dict[Path, bytes | None], made: list[Path]) -> None:
    for path, content in before.items():
        with contextlib.suppress(OSError):
            if content is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(content)
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()


def write_exactly(path: Path, text: str) -> None:
    """Write ``text`` as it is: text mode would rewrite its line endings."""
    path.write_bytes(text.encode("utf-8"))
