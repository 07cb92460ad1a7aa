"""Advice on kep.yaml values in odd forms, and the notice that a KEP is ready."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from receipt_lint.model.files import is_safe_relative
from receipt_lint.model.findings import Severity, quoted
from receipt_lint.model.loader import Document
from receipt_lint.model.models import STAGES, Kep
from receipt_lint.model.versions import NOT_TARGETING, parse_milestone
from receipt_lint.rules.base import AGREEMENT, Problem, ReceiptContext, rule

_DATES = ("creation-date", "last-updated")


@rule("kep-value", Severity.WARNING, "receipt")
def kep_value(ctx: ReceiptContext) -> Iterator[Problem]:
    """A kep.yaml value in an odd form.

    What it does: on the kep.yaml of an active receipt, warns about a
    milestone written without `v` (`1.37`), an empty or unreadable milestone
    (`stable: ""`, `"v1.21, v1.37"`), a `creation-date` or `last-updated`
    that is not a `YYYY-MM-DD` date, and the values upstream's validator
    rejects: a `stage` that is not a stage, a `status` that is not one of
    provisional, implementable, implemented, deferred, rejected, withdrawn,
    replaced, and an `owning-sig` that is no Kubernetes group (known offline: a
    folder under `keps/`, or a name like `sig-…`, `wg-…`, `committee-…`,
    `ug-…`). None of these is a schema error. Milestones of stages the KEP has
    not reached yet are plans: `TBD`, `x.y` or an empty value there is fine.

    Why: tools and people compare milestones as versions and dates as dates;
    odd forms break that quietly.

    How to fix: write milestones as `"v1.37"` and dates as `2026-02-05`.
    """
    kep = ctx.kep_model  # None unless the receipt is active: then kep.yaml is not even read
    loaded = ctx.kep if kep is not None else None
    if kep is None or loaded is None or loaded.document is None:
        return
    document, path = loaded.document, loaded.path
    # About kep.yaml alone, so worked out once per KEP, not once per receipt.
    yield from ctx.snapshot.memo(
        ("kep-value", path),
        lambda: (*_odd_values(path, kep, document), *_known_values(ctx, path, kep, document)),
    )


_MATURITY = ("alpha", "beta", "stable")


def _plans(stage: str) -> frozenset[str]:
    """The stages a KEP has not reached yet: their milestones are plans (design doc section 6).

    After its stage in alpha -> beta -> stable; with no stage, all three; with a
    deprecation stage (deprecated, disabled, removed), none.
    """
    if stage in _MATURITY:
        return frozenset(_MATURITY[_MATURITY.index(stage) + 1 :])
    return frozenset(_MATURITY) if not stage else frozenset()


def _odd_values(path: str, kep: Kep, document: Document) -> Iterator[Problem]:
    milestones: dict[tuple[str, ...], str | None] = {("latest-milestone",): kep.latest_milestone}
    milestones |= {("milestone", stage): kep.milestone_for(stage) for stage in STAGES}
    plans = _plans((kep.stage or "").strip())
    for key, text in milestones.items():
        if key[0] == "milestone" and key[1] in plans and parse_milestone(text) is None:
            continue  # `TBD`, `x.y` or "" for a stage not reached yet: a plan, not an odd value
        if key in document.values:
            yield from _milestone_value(path, document, key, text)
    for name, text in ((name, document.data.get(name)) for name in _DATES):
        if isinstance(text, str) and not _is_date(text):
            where = document.position((name,))
            yield Problem(f"{name} {quoted(text)} is not a YYYY-MM-DD date", where, path=path)


def _milestone_value(
    path: str, document: Document, key: tuple[str, ...], text: str | None
) -> Iterator[Problem]:
    name, where = ".".join(key), document.position(key)
    if (text or "").strip() == NOT_TARGETING:
        return
    milestone = parse_milestone(text)
    if not (text or "").strip():
        yield Problem(f'{name} is empty: write a milestone like "v1.37", or drop the key', where, path=path)
    elif milestone is None:
        yield Problem(f'{name} {quoted(text or "")} is not a milestone like "v1.37"', where, path=path)
    elif not milestone.has_v:
        yield Problem(f'{name} {text} lacks the v: write "{milestone.version}"', where, path=path)


def _known_values(ctx: ReceiptContext, path: str, kep: Kep, document: Document) -> Iterator[Problem]:
    """Values upstream's validator rejects: an unknown stage, status or owning SIG."""
    stage, status, sig = (kep.stage or "").strip(), kep.status.strip(), kep.owning_sig.strip()
    problems = (
        (
            "stage",
            stage,
            bool(stage) and stage not in STAGES,
            f"is not a stage: use one of {', '.join(STAGES)}",
        ),
        (
            "status",
            status,
            status not in KEP_STATUSES,
            f"is not a KEP status: use one of {', '.join(KEP_STATUSES)}",
        ),
        (
            "owning-sig",
            sig,
            not _is_known_group(ctx, sig),
            "is not a Kubernetes group: a folder under keps/, or a name like sig-node, wg-batch, "
            "committee-steering or ug-big-data",
        ),
    )
    for key, value, wrong, advice in problems:
        if wrong:
            yield Problem(f"{key} {quoted(value)} {advice}", document.position((key,)), path=path)


# Upstream's list (kubernetes/enhancements, validations of kep.yaml status).
KEP_STATUSES = (
    "provisional",
    "implementable",
    "implemented",
    "deferred",
    "rejected",
    "withdrawn",
    "replaced",
)
_GROUP_NAME = re.compile(r"(sig|wg|committee|ug)-[a-z0-9]+(-[a-z0-9]+)*")


def _is_known_group(ctx: ReceiptContext, sig: str) -> bool:
    """Offline: a group whose folder is under keps/, or one named as upstream names groups."""
    if _GROUP_NAME.fullmatch(sig):
        return True
    return is_safe_relative(sig) and "/" not in sig and bool(ctx.snapshot.tree.files_under(f"keps/{sig}"))


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


@rule("ready-to-accept", Severity.NOTICE, "receipt")
def ready_to_accept(ctx: ReceiptContext) -> Iterator[Problem]:
    """An at-risk receipt now meets every requirement of an accepted one.

    What it does: runs the accepted-state checks on each at-risk receipt of an
    open release; when none of them would be an error, says so. Not after code
    freeze (whether the code merged decides then, which only `receipt-lint
    status` knows), and not to a receipt with an error of its own.

    Why: the enhancements team should not have to poll every at-risk KEP.

    How to fix: nothing is wrong: move it with `receipt-lint accept NUMBER
    --release vX.Y` - unless its pull requests are what put it at risk, which
    `check` does not read: `receipt-lint status` does, and says whether to accept.
    """
    if ctx.file.state != "at-risk" or not ctx.agrees or ctx.loaded.schema_problems:
        return
    deadlines = ctx.release.deadlines
    if deadlines is not None and ctx.release.passed(deadlines.code_freeze):
        return  # the code decides now: `status` knows, `check` does not
    strict = ctx.as_accepted()
    for agreement in AGREEMENT:
        for problem in agreement.check(strict):
            if (problem.severity or agreement.severity) is Severity.ERROR:
                return
    yield Problem(
        f"KEP {ctx.file.number} meets every requirement for accepted: unless its pull requests put it "
        f"at risk (`receipt-lint status` reads them), move it with "
        f"`receipt-lint accept {ctx.file.number} --release {ctx.file.release}`",
        ctx.top,
    )
