"""The first-parent log of releases/ and the blobs it added, read in one batch (for history)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from typing import NamedTuple

from receipt_lint.model.files import MAX_BYTES
from receipt_lint.model.times import utc_text
from receipt_lint.trees.commits import Entry
from receipt_lint.trees.git import Repo


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



_PULL = re.compile(r"^Merge pull request #([0-9]+)\b|\(#([0-9]+)\)\s*$")
_LOGIN = re.compile(r"^Merge pull request #[0-9]+ from ([A-Za-z0-9][A-Za-z0-9-]*)/")



_ZERO = re.compile(r"0+")



class Commit(NamedTuple):
    sha: str
    parent: str | None
    date: dt.datetime  # committer date, UTC
    # Who made the change, "Name <email>": for a merge, the author of its second parent (the
    # pull request's head); upstream Tide merges, so the merge's own author is nearly always a bot.
    author: str
    subject: str
    changes: tuple[tuple[str, Entry | None], ...]  # (path, new entry or None when deleted)
    second_parent: str | None = None  # a merge's: the pull request's head
    merged_by: str | None = None  # a merge commit's own author; None for a commit that is no merge

    @property
    def login(self) -> str | None:
        """The pull request author's login a subject ``Merge pull request #N from LOGIN/branch`` names."""
        match = _LOGIN.search(self.subject)
        return match[1] if match else None

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


def with_pull_request_authors(repo: Repo, commits: list[Commit]) -> list[Commit]:
    """Merges with the author of their second parent, from one ``git log --no-walk`` of those parents."""
    heads = [commit.second_parent for commit in commits if commit.second_parent]
    if not heads:
        return commits
    listing = repo.git("log", "--no-walk=unsorted", "--format=%H%x1f%an <%ae>", *dict.fromkeys(heads))
    lines = listing.decode("utf-8", "replace").splitlines()
    authors = dict(line.split("\x1f", 1) for line in lines if "\x1f" in line)
    return [
        commit._replace(author=authors.get(commit.second_parent, commit.author), merged_by=commit.author)
        if commit.second_parent
        else commit
        for commit in commits
    ]


def _commit(header: list[str], changes: list[tuple[str, Entry | None]]) -> Commit:
    ids, date, author, subject = [*header, "", "", ""][:4]
    sha, *parents = ids.split()
    when = dt.datetime.fromisoformat(date).astimezone(dt.timezone.utc)
    second = parents[1] if len(parents) > 1 else None
    return Commit(sha, parents[0] if parents else None, when, author, subject, tuple(changes), second)



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
