"""The process's own moves (the seed's kepctl verbs), on the state table that ``check`` uses.

Each command works out every change first, refuses (``WorkflowError``, exit 1)
before touching anything, then writes: files in the working tree, moves with
``git mv`` so git sees a rename, no commits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from receipt_lint.engine.config import ConfigError, RuleChoice, read_config
from receipt_lint.engine.readiness import accepted_gaps
from receipt_lint.model import models
from receipt_lint.model.files import TreeError
from receipt_lint.model.findings import quoted
from receipt_lint.model.layout import ReceiptFile, receipt_files
from receipt_lint.model.loader import YamlError, load
from receipt_lint.model.transitions import is_legal, legal_targets
from receipt_lint.model.versions import parse_milestone, parse_release
from receipt_lint.rules import RULES_BY_ID
from receipt_lint.rules.base import release_info, slipped_in
from receipt_lint.trees.snapshot import Snapshot
from receipt_lint.trees.worktree import WorkTree
from receipt_lint.workflow.edit import EditError, append_block, remove_key, set_value, yaml_quoted
from receipt_lint.workflow.keps import find_kep, kep_of
from receipt_lint.workflow.workspace import BadArgument, Say, WorkflowError, Workspace


def create_release(ws: Workspace, release: str, owners: list[str], dates: dict[str, str], say: Say) -> None:
    if parse_release(release) is None:
        raise BadArgument(f"{quoted(release)} is not a release name: use vMAJOR.MINOR, e.g. v1.37")
    folder = ws.inside(f"releases/{release}")
    if folder.exists():
        raise WorkflowError(f"releases/{release} already exists")
    schedule = "".join(f"{key}: {value}\n" for key, value in dates.items() if value)
    if schedule:
        try:
            models.Schedule.model_validate(load(schedule.encode()).data)
        except (ValueError, YamlError) as error:
            raise WorkflowError(f"the dates are not valid: {error}") from None
    listed = "".join(f"  - {owner.lstrip('@')}\n" for owner in owners) or "  []\n"
    files = {f"releases/{release}/{state}/.gitkeep": "" for state in models.STATES}
    files[f"releases/{release}/OWNERS"] = f"# The {release} enhancements team\napprovers:\n{listed}"
    if schedule:
        files[f"releases/{release}/schedule.yaml"] = schedule
    ws.write_together(files)
    ws.stage(say, f"releases/{release}")  # as every workflow command stages what it wrote
    say(f"==> release {release} created in releases/{release}")
    if not owners:
        say(
            f"--> releases/{release}/OWNERS lists no approvers: add the enhancements team's GitHub logins "
            "(or give --owner LOGIN), or no team move can be approved"
        )



def move(
    ws: Workspace, number: int, release: str, target: str, say: Say, exception_block: str = ""
) -> ReceiptFile:
    """Move a receipt to ``target`` if the state table allows it.

    With ``exception_block`` (a new request), the receipt's block is replaced:
    the earlier request and its decision stay in git history.
    """
    file = ws.existing_receipt(number, release)
    ws.refuse_closed(release)
    if not is_legal(file.state, target) or file.state == target:
        allowed = ", ".join(legal_targets(file.state)) or "nowhere"
        raise WorkflowError(
            f"KEP {number} is {file.state} in {release}: {file.state} -> {target} is not a legal "
            f"move (from {file.state}: {allowed})"
        )
    _refuse_combined(ws, file, target)
    text = _receipt_text(ws, file)
    try:
        text = set_value(text, ("tracking-status",), target)
        if exception_block:
            text = append_block(remove_key(text, "exception"), exception_block)
    except EditError as error:
        raise WorkflowError(f"{file.path}: {error}") from None
    new_path = f"releases/{release}/{target}/{Path(file.path).name}"
    ws.rename(file.path, new_path, text)
    say(f"==> KEP {number} moved to {target}")
    return ReceiptFile(new_path, release, target, number)



def _refuse_combined(ws: Workspace, file: ReceiptFile, target: str) -> None:
    """Judge the move from HEAD too: the pull request is HEAD -> the working tree (design doc section 4).

    An earlier change not yet committed can make the pull request one the check refuses: a move
    the table forbids (``exception accept`` then ``accept``: exception -> accepted), or an
    exception block written or changed outside ``exception/`` (a grant or denial before the
    request is merged; an edited request then granted): ``exception-edited``. The first change
    is a pull request of its own.
    """
    known = ws.in_head(file.number, file.release)
    if known is None:
        return  # no commit to judge against
    head_file, head = known
    head_state = head_file.state if head_file is not None else None
    head_block = _block(head, head_file)
    block = _block(ws.snapshot, file)
    if head_state == file.state and head_block == block:
        return  # nothing uncommitted that the move adds to
    before = head_state or "(new)"
    first = f"make the first change ({before} -> {file.state}) a pull request of its own, merge it, then this"
    if not is_legal(head_state, target):
        raise WorkflowError(
            f"KEP {file.number} is {before} in HEAD and {file.state} in the working tree: together with this "
            f"move the pull request would be {before} -> {target}, which the state table refuses; {first}"
        )
    if target != "exception" and block != head_block:
        raise WorkflowError(
            f"KEP {file.number}'s exception block differs from HEAD's: with this move the pull request would "
            f"write or change it outside exception/ (exception-edited); {first}"
        )


def _block(snapshot: Snapshot, file: ReceiptFile | None) -> models.ExceptionRequest | None:
    receipt = snapshot.receipt(file.path).model if file is not None else None
    return receipt.exception if receipt is not None else None


def accept(ws: Workspace, number: int, release: str, at_risk: bool, say: Say) -> None:
    if at_risk:
        move(ws, number, release, "at-risk", say)
        return
    file = ws.existing_receipt(number, release)
    missing = accepted_problems(ws, file)
    if missing:
        lines = "\n".join(f"  - {problem}" for problem in missing)
        raise WorkflowError(
            f"KEP {number} does not meet the requirements for accepted:\n{lines}\n"
            f"Fix them, or mark it at risk: receipt-lint accept {number} --release {release} --at-risk"
        )
    move(ws, number, release, "accepted", say)



def _rule_choice(ws: Workspace) -> RuleChoice:
    """The repository's `.receipt-lint.yaml`; one that cannot be read refuses the command."""
    try:
        return read_config(ws.snapshot.tree, RULES_BY_ID)
    except ConfigError as error:
        raise WorkflowError(str(error)) from None



def accepted_problems(ws: Workspace, file: ReceiptFile) -> list[str]:
    """The section-6 requirements an accepted receipt would fail, as messages (engine.readiness)."""
    return accepted_gaps(ws.snapshot, file, ws.now, _rule_choice(ws))



def _receipt_text(ws: Workspace, file: ReceiptFile) -> str:
    try:
        return WorkTree(ws.root).read(file.path).decode("utf-8")
    except (TreeError, UnicodeDecodeError) as error:
        raise WorkflowError(f"cannot read {file.path}: {error}") from None



@dataclass(frozen=True)
class ExceptionAnswers:
    freeze: str
    additional_days: int
    reason: str
    risks_of_adding: str
    risks_of_cutting: str

    def block(self) -> str:
        """The receipt's ``exception`` block; texts double-quoted, emoji and all, as YAML reads them."""
        models.ExceptionRequest.model_validate(
            {
                "freeze": self.freeze,
                "additional-days": self.additional_days,
                "reason": self.reason,
                "risks-of-adding": self.risks_of_adding,
                "risks-of-cutting": self.risks_of_cutting,
            }
        )
        return (
            f"exception:\n  freeze: {self.freeze}\n  additional-days: {self.additional_days}\n"
            f"  reason: {yaml_quoted(self.reason)}\n  risks-of-adding: {yaml_quoted(self.risks_of_adding)}\n"
            f"  risks-of-cutting: {yaml_quoted(self.risks_of_cutting)}\n"
        )

    def pull_request_text(self, number: int, release: str) -> str:
        return (
            f"KEP-{number}: exception request for {release} ({self.freeze} freeze)\n\n"
            f"- Enhancement: KEP-{number}\n- Freeze: {self.freeze}\n"
            f"- Additional days requested: {self.additional_days}\n"
            f"- Why is this enhancement critical for this milestone?\n  {_answer(self.reason)}\n"
            f"- What are the risks from adding the code late?\n  {_answer(self.risks_of_adding)}\n"
            f"- What are the risks associated with cutting it?\n  {_answer(self.risks_of_cutting)}\n"
        )



def _answer(text: str) -> str:
    """An answer in the pull request text: its lines indented under the question, controls made visible."""
    from receipt_lint.reporters import one_line

    return "\n  ".join(one_line(line) for line in text.strip().splitlines())


def promote(ws: Workspace, kep_ref: str, stage: str, release: str, say: Say) -> None:
    """Opt a KEP in: a proposed receipt from kep.yaml, and kep.yaml updated to match."""
    ws.release_dir(release)
    number, kep_path = kep_of(ws, kep_ref)
    if kep_ref.strip("/").removeprefix("keps/") != kep_path:
        say(f"--> KEP {number} is keps/{kep_path}")
    _refuse_after_opt_in_deadline(ws, release, number)
    _warn_backwards(ws, kep_path, stage, say)
    _write_new_receipt(ws, number, kep_path, stage, release, "proposed", "", say)
    say(f"==> KEP {number} proposed for {release}")
    _warn_other_releases(ws, number, release, say)



_MATURITY = ("alpha", "beta", "stable")



def _warn_backwards(ws: Workspace, kep_path: str, stage: str, say: Say) -> None:
    """A stage earlier than kep.yaml's, or an implemented KEP: say what the edit will overwrite."""
    kep = ws.snapshot.kep(kep_path).model
    if kep is None:
        return
    now = (kep.stage or "").strip()
    if now in _MATURITY and stage in _MATURITY and _MATURITY.index(stage) < _MATURITY.index(now):
        reached = kep.milestone_for(stage)
        overwritten = f" and replaces milestone.{stage} ({reached})" if reached else ""
        say(f"--> warning: kep.yaml says stage {now}; opting in at {stage} moves it back{overwritten}")
    if kep.status.strip() == "implemented":
        say("--> warning: kep.yaml says status implemented: this KEP is done; opt it in only for new work")



def _warn_other_releases(ws: Workspace, number: int, release: str, say: Say) -> None:
    """An active receipt in another open release now disagrees with kep.yaml: say what to do."""
    snapshot = ws.snapshot
    for file in receipt_files(snapshot.tree.files_under("releases")):
        if file.number != number or file.release == release or file.state not in models.ACTIVE_STATES:
            continue
        if release_info(snapshot, file.release, ws.now).closed:
            continue
        say(
            f"--> warning: KEP {number} is still {file.state} in {file.release} ({file.path}), and kep.yaml "
            f"now says {release}: remove it there (receipt-lint remove {number} --release {file.release}) "
            f"or close that release's schedule"
        )



def request_exception(ws: Workspace, number: int, release: str, answers: ExceptionAnswers, say: Say) -> None:
    try:
        block = answers.block()
    except EditError as error:
        raise BadArgument(f"the exception request: {error}") from None
    except ValueError as error:
        raise WorkflowError(f"the exception request is not complete: {error}") from None
    ws.release_dir(release)
    ws.refuse_closed(release)
    _refuse_early(ws, release, answers.freeze)
    file = ws.receipt(number, release)
    if file is None:  # a late opt-in: the receipt starts in exception/
        kep_path = find_kep(ws, number)
        kep = ws.snapshot.kep(kep_path).model
        stage = kep.stage if kep and kep.stage in models.STAGES else None
        if stage is None:
            raise WorkflowError(f"keps/{kep_path}/kep.yaml has no valid stage: set it first")
        _write_new_receipt(ws, number, kep_path, stage, release, "exception", block, say)
        say(f"==> KEP {number} requested an exception in {release} (a late opt-in)")
    else:
        move(ws, number, release, "exception", say, exception_block=block)
    say("==> Open a pull request with this text:\n\n" + answers.pull_request_text(number, release))



def _refuse_early(ws: Workspace, release: str, freeze: str) -> None:
    """An exception is asked after the freeze it asks more time for (``exception-early``)."""
    info = release_info(ws.snapshot, release, ws.now)
    moment = info.freeze(freeze)
    if moment is not None and not info.passed(moment):
        raise WorkflowError(
            f"{freeze} freeze of {release} is on {info.said(moment)} and has not passed: request "
            "an exception once the KEP has missed it (until then, work to meet it)"
        )


def decide_exception(ws: Workspace, number: int, release: str, granted: bool, say: Say) -> None:
    file = ws.existing_receipt(number, release)
    if file.state != "exception":
        raise WorkflowError(f"KEP {number} is {file.state} in {release}, not waiting on an exception")
    move(ws, number, release, "at-risk" if granted else "removed", say)



def _refuse_after_opt_in_deadline(ws: Workspace, release: str, number: int) -> None:
    ws.refuse_closed(release)
    info = release_info(ws.snapshot, release, ws.now)
    deadlines = info.deadlines
    deadline = deadlines and (deadlines.prr_freeze or deadlines.enhancements_freeze)
    if deadline and info.passed(deadline):
        freeze = "prr" if deadlines and deadline == deadlines.prr_freeze else "enhancements"
        raise WorkflowError(
            f"the opt-in deadline of {release} has passed: request an exception instead "
            f"(receipt-lint exception request {number} --release {release} --freeze {freeze} ...; "
            "--help lists the answers it needs)"
        )



def _write_new_receipt(
    ws: Workspace, number: int, kep_path: str, stage: str, release: str, state: str, extra: str, say: Say
) -> None:
    if stage not in models.STAGES:
        raise WorkflowError(f"--stage {quoted(stage)}: use one of {', '.join(models.STAGES)}")
    if ws.receipt(number, release) is not None:
        raise WorkflowError(f"KEP {number} already has a receipt in {release}")
    kep = ws.snapshot.kep(kep_path)
    if kep.model is None:
        raise WorkflowError(f"keps/{kep_path}/kep.yaml is not valid: run receipt-lint check --all")
    kep_text = _updated_kep(ws, number, kep_path, kep.model, stage, release)
    _rule_choice(ws)  # refused now, not after writing: a command that fails changes nothing
    receipt = (
        f"title: {_quoted_title(kep.model.title.strip())}\nkep-number: {number}\n"
        f"owning-sig: {kep.model.owning_sig}\npath: {kep_path}\ntracking-status: {state}\n"
        f"stage: {stage}\n{extra}"
    )
    target = ws.inside(f"releases/{release}/{state}/{number}.yaml")
    kep_file = f"keps/{kep_path}/kep.yaml"
    kep_was_clean = ws.unchanged(kep_file)
    ws.write_together({target.relative_to(ws.root).as_posix(): receipt, kep_file: kep_text})
    # Staged like a move, so a --staged check (pre-commit) sees the whole opt-in; kep.yaml only
    # when the edit is all that changed in it: the user's own changes stay theirs to stage.
    ws.stage(say, target.relative_to(ws.root).as_posix(), *([kep_file] if kep_was_clean else []))
    if not kep_was_clean:
        say(f"--> {kep_file} also holds changes of yours, or is new: review it, then git add it")
    for problem in accepted_problems(
        ws, ReceiptFile(target.relative_to(ws.root).as_posix(), release, state, number)
    ):
        say(f"--> still needed before it can be accepted: {problem}")



def _updated_kep(
    ws: Workspace, number: int, kep_path: str, kep: models.Kep, stage: str, release: str
) -> str:
    """kep.yaml with stage, latest-milestone and milestone.<stage>: that one when the stage
    changes, is unset, or names a release where the KEP slipped (it never reached the stage there)."""
    text = ws.inside(f"keps/{kep_path}/kep.yaml").read_bytes().decode("utf-8")
    reached = parse_milestone(kep.milestone_for(stage))
    stale = reached is not None and number in slipped_in(ws.snapshot, reached.version)
    try:
        text = set_value(text, ("stage",), stage)
        text = set_value(text, ("latest-milestone",), release, quote='"')
        if kep.stage != stage or reached is None or stale:
            text = set_value(text, ("milestone", stage), release, quote='"')
    except EditError as error:
        raise WorkflowError(f"keps/{kep_path}/kep.yaml: {error}") from None
    return text



def _quoted_title(title: str) -> str:
    try:
        return yaml_quoted(title)
    except EditError as error:
        raise WorkflowError(f"the KEP's title: {error}") from None
