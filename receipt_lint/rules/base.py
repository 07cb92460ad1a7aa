"""What a rule is, and what it sees.

A rule is a small function registered with ``@rule``: it gets a context and
yields ``Problem`` values; the engine stamps the rule's id and severity.  Its
docstring (What it does / Why / How to fix) is what ``receipt-lint explain``
prints.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Literal, NamedTuple, TypeVar, overload

from receipt_lint.model import models
from receipt_lint.model.findings import Position, Severity
from receipt_lint.model.layout import Misplaced, ReceiptFile, kep_path_problem
from receipt_lint.model.versions import Version, ascii_number, parse_release
from receipt_lint.trees.snapshot import Loaded, Snapshot

Scope = Literal["tree", "receipt", "transition", "config"]
Column = Literal["accepted", "other"]
T = TypeVar("T")


class cached(Generic[T]):
    """``functools.cached_property`` without its lock.

    Python 3.11's takes an RLock on every first access; contexts are built
    and read by one thread, 100,000 times in a 20,000-receipt check.  Once
    computed, the value sits in the instance's ``__dict__`` and this
    descriptor is not even consulted.
    """

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    @overload
    def __get__(self, instance: None, owner: type) -> cached[T]: ...
    @overload
    def __get__(self, instance: object, owner: type) -> T: ...
    def __get__(self, instance: object | None, owner: type) -> cached[T] | T:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


class Problem(NamedTuple):
    """What a rule found; ``path`` defaults to the receipt being checked."""

    message: str
    position: Position | None = None
    path: str | None = None
    severity: Severity | None = None


class Rule(NamedTuple):
    id: str
    severity: Severity
    scope: Scope
    check: Callable[[Any], Iterable[Problem]]
    agreement: bool  # a section-6 requirement: its severity follows the receipt's state

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else ""


def rule(
    rule_id: str, severity: Severity, scope: Scope, *, agreement: bool = False
) -> Callable[[Callable[[Any], Iterable[Problem]]], Rule]:
    def register(check: Callable[[Any], Iterable[Problem]]) -> Rule:
        made = Rule(rule_id, severity, scope, check, agreement)
        if agreement:
            AGREEMENT.append(made)
        return made

    return register


# The section-6 requirements, as their modules define them: ``ready-to-accept`` runs them
# all, and reads them here rather than from the registry, which imports its module.
AGREEMENT: list[Rule] = []


class ReleaseInfo(NamedTuple):
    name: str
    version: Version
    schedule: Loaded[models.Schedule]
    now: dt.datetime

    @property
    def deadlines(self) -> models.Schedule | None:
        return self.schedule.model

    def passed(self, deadline: dt.datetime | None) -> bool:
        return deadline is not None and self.now >= deadline

    @property
    def closed(self) -> bool:
        return self.deadlines is not None and self.passed(self.deadlines.release)

    @staticmethod
    def said(moment: dt.datetime) -> str:
        """A deadline in a message: a bare schedule date (next midnight) as that day's end."""
        if moment.time() == dt.time(0, 0):
            return f"{moment - dt.timedelta(days=1):%Y-%m-%d} (the end of that day, UTC)"
        return f"{moment:%Y-%m-%d %H:%M} UTC"

    def freeze(self, name: str) -> dt.datetime | None:
        """A freeze's moment by its exception name (prr, enhancements, code, docs); None when unset."""
        deadlines = self.deadlines
        return getattr(deadlines, f"{name}_freeze", None) if deadlines is not None else None

    def deadline(self, freeze: str, exception: models.ExceptionRequest | None) -> dt.datetime | None:
        """A freeze's moment; for an exception that requests it, that moment plus ``additional-days``
        days of 24 h (design doc section 5).  None when the schedule does not date the freeze."""
        moment = self.freeze(freeze)
        if moment is None or exception is None or exception.freeze != freeze:
            return moment
        try:
            return moment + dt.timedelta(days=int(exception.additional_days))
        except (OverflowError, ValueError):  # days past any date a calendar holds: for good
            return dt.datetime.max.replace(tzinfo=dt.timezone.utc)

    def covered(self, exception: models.ExceptionRequest | None, freeze: str) -> bool:
        """Whether ``exception`` covers ``freeze`` now: it requests that freeze, and its own
        deadline has not passed.  With no date for the freeze, a request for it covers it."""
        if exception is None or exception.freeze != freeze:
            return False
        until = self.deadline(freeze, exception)
        return until is None or self.now < until


@dataclass(frozen=True)
class TreeContext:
    snapshot: Snapshot
    receipts: tuple[ReceiptFile, ...]
    misplaced: tuple[Misplaced, ...]
    release_folders: tuple[str, ...]
    releases: dict[str, ReleaseInfo]
    # In diff mode, the paths the change touched: only these are parsed for
    # their identity; an untouched receipt is identified by its file name.
    changed: frozenset[str] | None = None


@dataclass(frozen=True)
class ReceiptContext:
    snapshot: Snapshot
    file: ReceiptFile
    release: ReleaseInfo
    column: Column  # which column of the section-6 table sets severities

    @classmethod
    def for_file(cls, snapshot: Snapshot, file: ReceiptFile, release: ReleaseInfo) -> ReceiptContext:
        column: Column = "accepted" if file.state == "accepted" else "other"
        return cls(snapshot, file, release, column)

    def as_accepted(self) -> ReceiptContext:
        strict = ReceiptContext(self.snapshot, self.file, self.release, "accepted")
        # What is already worked out (the receipt, its KEP, its PRR file) does
        # not depend on the column: carry it over rather than look it up again.
        vars(strict).update((name, value) for name, value in vars(self).items() if name != "column")
        return strict

    @cached
    def loaded(self) -> Loaded[models.Receipt]:
        return self.snapshot.receipt(self.file.path)

    @cached
    def receipt(self) -> models.Receipt | None:
        return self.loaded.model

    @cached
    def agrees(self) -> bool:
        """Whether section 6's agreement checks apply to this receipt."""
        return (
            self.receipt is not None and self.file.state in models.ACTIVE_STATES and not self.release.closed
        )

    @cached
    def kep(self) -> Loaded[models.Kep] | None:
        receipt = self.receipt
        if receipt is None or kep_path_problem(receipt.path) is not None:
            return None
        return self.snapshot.kep(receipt.path)

    @cached
    def kep_model(self) -> models.Kep | None:
        return self.kep.model if self.agrees and self.kep else None

    @cached
    def prr(self) -> Loaded[models.PrrApproval] | None:
        """The KEP's PRR approval file, when the agreement checks apply.

        Its number and SIG come from kep.yaml (the file belongs to the KEP).
        """
        kep, receipt = self.kep_model, self.receipt
        if kep is None or receipt is None:
            return None
        number = ascii_number(kep.kep_number.strip()) or receipt.kep_number
        return self.snapshot.prr(kep.owning_sig, number)

    def at(self, key: str) -> Position | None:
        document = self.loaded.document
        return document.key_position((key,)) if document else None

    @property
    def top(self) -> Position | None:
        document = self.loaded.document
        return document.position(()) if document else None

    def value_at(self, key: str) -> Position | None:
        document = self.loaded.document
        return document.position((key,)) if document else None

    def required(self, when_other: Severity = Severity.WARNING) -> Severity:
        """Section 6: an error for an accepted receipt, else ``when_other``."""
        return Severity.ERROR if self.column == "accepted" else when_other


def slipped_in(snapshot: Snapshot, release: Version) -> frozenset[int]:
    """The KEPs whose receipt in ``release`` ended ``removed`` (and that have no other there).

    A ``milestone.<stage>`` naming such a release is stale: the KEP never reached
    the stage in it (design doc section 6). Worked out once per release.
    """

    def compute() -> frozenset[int]:
        from receipt_lint.model.layout import receipt_files

        files = list(receipt_files(snapshot.tree.files_under(f"releases/{release}")))
        removed = {file.number for file in files if file.state == "removed"}
        return frozenset(removed - {file.number for file in files if file.state != "removed"})

    return snapshot.memo(("slipped-in", str(release)), compute)


def release_info(snapshot: Snapshot, name: str, now: dt.datetime) -> ReleaseInfo:
    version = parse_release(name) or Version(0, 0)
    return ReleaseInfo(name, version, snapshot.schedule(name), now)


class Pairing(NamedTuple):
    """One receipt identity, (release, KEP), on both sides of a change."""

    kep: int
    base: ReceiptFile | None
    head: ReceiptFile | None
    # A deleted copy while another receipt for the identity stays: the fix for a duplicate.
    remains: bool = False


@dataclass(frozen=True)
class TransitionContext:
    pairing: Pairing
    base: Snapshot
    head: Snapshot
    releases: dict[str, ReleaseInfo]  # every release involved, with the base's schedule
    author: str | None

    @property
    def from_state(self) -> str | None:
        return self.pairing.base.state if self.pairing.base else None

    @property
    def to_state(self) -> str | None:
        return self.pairing.head.state if self.pairing.head else None

    @property
    def path(self) -> str:
        file = self.pairing.head or self.pairing.base
        assert file is not None
        return file.path

    @property
    def crosses_releases(self) -> bool:
        base, head = self.pairing.base, self.pairing.head
        return base is not None and head is not None and base.release != head.release

    def head_model(self) -> models.Receipt | None:
        return self.head.receipt(self.pairing.head.path).model if self.pairing.head else None

    def base_model(self) -> models.Receipt | None:
        return self.base.receipt(self.pairing.base.path).model if self.pairing.base else None

    def head_at(self, key: str) -> Position | None:
        if self.pairing.head is None:
            return None
        document = self.head.receipt(self.pairing.head.path).document
        return document.position((key,)) if document else None
