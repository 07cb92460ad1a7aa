"""Structural rules: a receipt's own file, folder and name, and a release's layout."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from receipt_lint.model.findings import ConfigProblem, Severity
from receipt_lint.model.layout import ReceiptFile
from receipt_lint.model.names import CONFIG_FILE
from receipt_lint.rules.base import Problem, ReceiptContext, TreeContext, rule


@rule("yaml-syntax", Severity.ERROR, "receipt")
def yaml_syntax(ctx: ReceiptContext) -> Iterator[Problem]:
    """A receipt that is not readable, safe, single-document YAML mapping.

    What it does: reports a receipt file that cannot be parsed: a syntax error,
    a duplicate key, several documents, a top level that is not a mapping, a
    file over 1 MiB, text that is not UTF-8, nesting deeper than 64 levels, an
    alias bomb, a tag outside the YAML core schema (no tag ever builds an
    object), or a symlink that leads outside the repository.

    Why: every other check needs the receipt's fields; a file the linter cannot
    read safely is a file nobody can trust.

    How to fix: open the file at the line shown and make it one plain YAML
    mapping, like the example in `receipt-lint explain receipt-schema`.
    """
    loaded = ctx.loaded
    if loaded.syntax_error is not None:
        yield Problem(loaded.syntax_error.message, loaded.syntax_error.position)
    elif loaded.unreadable is not None:
        yield Problem(loaded.unreadable)


@rule("receipt-schema", Severity.ERROR, "receipt")
def receipt_schema(ctx: ReceiptContext) -> Iterator[Problem]:
    """A receipt missing a field, with an unknown field, or a value of the wrong type.

    What it does: validates the receipt against `schemas/receipt.schema.json`:
    `title`, `kep-number`, `owning-sig`, `path`, `tracking-status` and `stage`
    are required; `implementation-prs` and `docs-prs` are lists of pull request
    URLs; unknown keys are errors. A receipt in `exception/` must carry the
    `exception` block (freeze, additional-days, reason, risks-of-adding,
    risks-of-cutting).

    Why: a typo must not pass silently, and the release team reads these fields.

    How to fix: correct the key named in the message. A complete receipt:

        title: Receipts process for tracking release enhancements
        kep-number: 2140
        owning-sig: sig-architecture
        path: sig-architecture/2140-receipts
        tracking-status: proposed
        stage: alpha
    """
    for problem in ctx.loaded.schema_problems:
        yield Problem(problem.message, problem.position)
    receipt = ctx.receipt
    if receipt is not None and ctx.file.state == "exception" and receipt.exception is None:
        yield Problem(
            "a receipt in exception/ needs an `exception` block "
            "(freeze, additional-days, reason, risks-of-adding, risks-of-cutting)",
            ctx.top,
        )


@rule("status-mismatch", Severity.ERROR, "receipt")
def status_mismatch(ctx: ReceiptContext) -> Iterator[Problem]:
    """`tracking-status` differs from the state folder the receipt sits in.

    What it does: compares `tracking-status` with the folder name
    (`releases/<release>/<state>/`).

    Why: the folder is the state; a field that says otherwise misleads readers
    and tools.

    How to fix: move the file with the workflow commands (`receipt-lint
    accept`, `remove`, ...), or set `tracking-status` to the folder's name.
    """
    receipt = ctx.receipt
    if receipt is not None and receipt.tracking_status != ctx.file.state:
        yield Problem(
            f"tracking-status is {receipt.tracking_status} but the receipt is in "
            f"{ctx.file.state}/: set tracking-status: {ctx.file.state}",
            ctx.value_at("tracking-status"),
        )


@rule("filename-mismatch", Severity.ERROR, "receipt")
def filename_mismatch(ctx: ReceiptContext) -> Iterator[Problem]:
    """The file name differs from `kep-number`.

    What it does: the file must be named `<kep-number>.yaml`; leading zeros are
    tolerated when the number they spell is the same.

    Why: the file name is how people and tools find a KEP's receipt.

    How to fix: rename the file to `<kep-number>.yaml`, or correct `kep-number`.
    """
    receipt = ctx.receipt
    if receipt is not None and receipt.kep_number != ctx.file.number:
        yield Problem(
            f"file is named {ctx.file.number}.yaml but kep-number is {receipt.kep_number}: "
            f"rename it to {receipt.kep_number}.yaml or fix kep-number",
            ctx.value_at("kep-number"),
        )


@rule("receipt-location", Severity.ERROR, "tree")
def receipt_location(ctx: TreeContext) -> Iterator[Problem]:
    """A file under `releases/` that is not where a receipt may be.

    What it does: `releases/` holds `<release>/<state>/<kep-number>.yaml`
    receipts, where `<release>` is `vMAJOR.MINOR` and `<state>` is one of
    proposed, accepted, at-risk, exception, removed. Also allowed:
    `releases/OWNERS`, `releases/README.md`, `<release>/OWNERS`,
    `<release>/schedule.yaml`, `<release>/README.md` and `.gitkeep` in a state
    folder.

    Why: a receipt in the wrong place is invisible to the release team.

    How to fix: move the file to `releases/vX.Y/<state>/<kep-number>.yaml`.
    """
    for misplaced in ctx.misplaced:
        yield Problem(misplaced.reason, path=misplaced.path)


@rule("release-layout", Severity.ERROR, "tree")
def release_layout(ctx: TreeContext) -> Iterator[Problem]:
    """A release folder without an OWNERS file.

    What it does: each `releases/vX.Y/` needs an `OWNERS` file naming the
    release's enhancements team.

    Why: OWNERS decides who approves moves of that release's receipts.

    How to fix: `receipt-lint create-release vX.Y --owner LOGIN ...`, or add
    `releases/vX.Y/OWNERS` with `approvers:` and `reviewers:` lists.
    """
    for release in ctx.release_folders:
        if not ctx.snapshot.tree.exists(f"releases/{release}/OWNERS"):
            yield Problem(
                f"release {release} has no OWNERS file: add releases/{release}/OWNERS "
                "listing its enhancements team",
                path=f"releases/{release}",
            )


@rule("duplicate-receipt", Severity.ERROR, "tree")
def duplicate_receipt(ctx: TreeContext) -> Iterator[Problem]:
    """One KEP with several receipts in one release.

    What it does: a KEP has exactly one receipt per release; the linter keys
    receipts by `(release, kep-number)`.

    Why: two receipts give two answers to "what state is this KEP in?".

    How to fix: keep the receipt in the right state folder and delete the
    other (move, do not copy, when the state changes).
    """
    by_identity: dict[tuple[str, int], list[ReceiptFile]] = defaultdict(list)
    for file in ctx.receipts:
        parse = ctx.changed is None or file.path in ctx.changed
        number = (ctx.snapshot.receipt_kep_number(file.path) if parse else None) or file.number
        by_identity[(file.release, number)].append(file)
    for (release, number), files in by_identity.items():
        for file in files if len(files) > 1 else ():
            others = ", ".join(other.path for other in files if other is not file)
            yield Problem(
                f"KEP {number} has several receipts in {release} (also {others}): keep one",
                path=file.path,
            )


@rule("config-schema", Severity.ERROR, "config")
def config_schema(problems: Iterable[ConfigProblem]) -> Iterator[Problem]:
    """`.receipt-lint.yaml` does not parse, does not match its schema, or names no rule.

    What it does: in diff mode, checks the head's `.receipt-lint.yaml` when the
    change adds or edits it, and reports every problem at its line: YAML syntax,
    unknown keys, a severity other than error, warning or notice, a rule id that
    is not one (with the closest id). A base whose file is invalid switches no
    rule off, with a warning of this rule, so the change that mends it can pass.
    With `--all` an invalid file stops the check (exit 2). An empty file is an
    empty configuration.

    Why: a broken configuration merged into the repository would otherwise stop
    every later check, the repair included.

    How to fix: correct the file at the line shown (`receipt-lint schema config`
    prints its schema; `receipt-lint rules` lists the rule ids).
    """
    for problem in problems:
        yield Problem(problem.message, problem.position, path=CONFIG_FILE)
