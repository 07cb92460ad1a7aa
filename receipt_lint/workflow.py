"""The process's own moves (the seed's kepctl verbs), on the state table that ``check`` uses.

Each command works out every change first, refuses (``WorkflowError``, exit 1)
before touching anything, then writes: files in the working tree, moves with
``git mv`` so git sees a rename, no commits.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from receipt_lint import models
from receipt_lint.config import ConfigError, RuleChoice, read_config
from receipt_lint.edit import EditError, append_block, remove_key, set_value, yaml_quoted
from receipt_lint.findings import Severity, quoted
from receipt_lint.layout import ReceiptFile, kep_path_problem, receipt_files
from receipt_lint.loader import YamlError, load
from receipt_lint.rules import AGREEMENT_RULES, RULES_BY_ID
from receipt_lint.rules.base import ReceiptContext, release_info
from receipt_lint.snapshot import Snapshot
from receipt_lint.transitions import is_legal, legal_targets
from receipt_lint.tree import TreeError, WorkTree
from receipt_lint.versions import ascii_number, parse_release

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
            shipped = info.deadlines.release.strftime("%Y-%m-%d %H:%M UTC")
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
        """Move with ``git mv`` (git sees the rename) and write ``text``; staged if tracked."""
        self.inside(old)
        self.inside(new).parent.mkdir(parents=True, exist_ok=True)
        if not self.tracked(old):
            (self.root / old).rename(self.root / new)
            write_exactly(self.root / new, text)
            return
        moved = self._git("mv", old, new)
        if moved.returncode != 0:
            raise WorkflowError(f"git mv {old} {new} failed: {moved.stderr.strip()}")
        write_exactly(self.root / new, text)
        # Stage the rewritten tracking-status too: a --staged check sees the whole move.
        self._git("add", "--", new, check=True)


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
    for state in models.STATES:
        (folder / state).mkdir(parents=True)
        (folder / state / ".gitkeep").write_text("")
    listed = "".join(f"  - {owner.lstrip('@')}\n" for owner in owners) or "  []\n"
    (folder / "OWNERS").write_text(f"# The {release} enhancements team\napprovers:\n{listed}")
    if schedule:
        (folder / "schedule.yaml").write_text(schedule)
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
    """The section-6 requirements an accepted receipt would fail, as messages.

    The repository's `.receipt-lint.yaml` holds here as in `check`: a rule it
    ignores is no requirement, and its severity overrides count.
    """
    snapshot = ws.snapshot
    info = release_info(snapshot, file.release, ws.now)
    context = ReceiptContext(snapshot, file, info, "accepted")
    if snapshot.receipt(file.path).model is None:
        return [f"{file.path} is not a valid receipt: run receipt-lint check --all"]
    choice = _rule_choice(ws)
    return [
        problem.message
        for rule in AGREEMENT_RULES
        if rule.id not in choice.ignore
        for problem in rule.check(context)
        if (choice.severity.get(rule.id) or problem.severity or rule.severity) is Severity.ERROR
    ]


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
            f"- Why is this enhancement critical for this milestone?\n  {self.reason}\n"
            f"- What are the risks from adding the code late?\n  {self.risks_of_adding}\n"
            f"- What are the risks associated with cutting it?\n  {self.risks_of_cutting}\n"
        )


def promote(ws: Workspace, kep_ref: str, stage: str, release: str, say: Say) -> None:
    """Opt a KEP in: a proposed receipt from kep.yaml, and kep.yaml updated to match."""
    ws.release_dir(release)
    number, kep_path = _kep(ws, kep_ref)
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
    file = ws.receipt(number, release)
    if file is None:  # a late opt-in: the receipt starts in exception/
        kep_path = _find_kep(ws, number)
        kep = ws.snapshot.kep(kep_path).model
        stage = kep.stage if kep and kep.stage in models.STAGES else None
        if stage is None:
            raise WorkflowError(f"keps/{kep_path}/kep.yaml has no valid stage: set it first")
        _write_new_receipt(ws, number, kep_path, stage, release, "exception", block, say)
        say(f"==> KEP {number} requested an exception in {release} (a late opt-in)")
    else:
        move(ws, number, release, "exception", say, exception_block=block)
    say("==> Open a pull request with this text:\n\n" + answers.pull_request_text(number, release))


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


def _kep(ws: Workspace, kep_ref: str) -> tuple[int, str]:
    """The KEP's number and folder; the number is the one its kep.yaml writes (else the folder's).

    ``kep_ref`` is a folder (``sig-node/2033-user-namespaces``), or a number as
    every other verb takes it (``2033``, or ``sig-node/2033``): then the folder
    is found as ``exception request`` finds it.
    """
    kep_path = kep_ref.strip("/").removeprefix("keps/")
    by_number = re.fullmatch(r"(?:[^/]+/)*([0-9]+)", kep_path)
    if by_number is not None and ascii_number(by_number[1]):
        number = int(by_number[1])
        return number, _find_kep(ws, number)
    match = re.fullmatch(r"(?:[^/]+/)+([0-9]+)-[^/]+", kep_path)
    if match is None or kep_path_problem(kep_path) is not None:
        raise BadArgument(
            f"{quoted(kep_ref)} is not a KEP: give its folder (sig-node/1287-in-place-update) or its number"
        )
    if not WorkTree(ws.root).exists(f"keps/{kep_path}/kep.yaml"):
        hint = _folders_numbered(ws, int(match[1]))
        also = f": did you mean {' or '.join(hint)}?" if hint else ""
        raise BadArgument(f"there is no keps/{kep_path}/kep.yaml{also}")
    return _written_number(ws, kep_path) or int(match[1]), kep_path


def _written_number(ws: Workspace, kep_path: str) -> int | None:
    kep = ws.snapshot.kep(kep_path).model
    return ascii_number(kep.kep_number.strip()) if kep is not None else None


def _find_kep(ws: Workspace, number: int) -> str:
    """The KEP folder whose kep.yaml is KEP ``number``: by the number it writes, else its folder's name.

    ``keps/sig-node/2043-pod-resource-concrete-assigments`` writes 1884: it is
    KEP 1884, and no folder named 1884-… exists.
    """
    found = []
    for kep_file in _kep_files(ws):
        kep_path = kep_file.parent.relative_to(ws.root / "keps").as_posix()
        named = re.match(r"([0-9]+)-", kep_file.parent.name)
        if str(number).encode() not in kep_file.read_bytes() and not (named and int(named[1]) == number):
            continue  # cheap: most kep.yaml files never mention the number
        written = _written_number(ws, kep_path)
        if (written or (int(named[1]) if named else None)) == number:
            found.append(kep_path)
    if not found:
        raise BadArgument(f"there is no KEP {number} under keps/ (no kep.yaml says kep-number: {number})")
    if len(found) > 1:
        raise WorkflowError(
            f"{len(found)} KEPs are numbered {number}: {', '.join(found)}; give the folder, fix the duplicate"
        )
    return found[0]


def _kep_files(ws: Workspace) -> list[Path]:
    """Every keps/**/kep.yaml, following no symbolic link (nothing outside the repository is read)."""
    found = []
    for folder, subfolders, files in os.walk(ws.root / "keps"):
        subfolders.sort()
        if "kep.yaml" in files and not os.path.islink(os.path.join(folder, "kep.yaml")):
            found.append(Path(folder) / "kep.yaml")
    return sorted(found)


def _folders_numbered(ws: Workspace, number: int) -> list[str]:
    """KEP folders whose name starts with ``number-``: the suggestion for a mistyped slug."""
    keps = ws.root / "keps"
    return [
        file.parent.relative_to(keps).as_posix()
        for file in _kep_files(ws)
        if re.match(rf"0*{number}-", file.parent.name)
    ][:3]


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
    kep_text = _updated_kep(ws, kep_path, kep.model, stage, release)
    _rule_choice(ws)  # refused now, not after writing: a command that fails changes nothing
    receipt = (
        f"title: {_quoted_title(kep.model.title.strip())}\nkep-number: {number}\n"
        f"owning-sig: {kep.model.owning_sig}\npath: {kep_path}\ntracking-status: {state}\n"
        f"stage: {stage}\n{extra}"
    )
    target = ws.inside(f"releases/{release}/{state}/{number}.yaml")
    kep_file = f"keps/{kep_path}/kep.yaml"
    ws.inside(kep_file)
    kep_was_clean = ws.unchanged(kep_file)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(receipt)
    write_exactly(ws.root / kep_file, kep_text)
    # Staged like a move, so a --staged check (pre-commit) sees the whole opt-in; kep.yaml only
    # when the edit is all that changed in it: the user's own changes stay theirs to stage.
    ws.stage(say, target.relative_to(ws.root).as_posix(), *([kep_file] if kep_was_clean else []))
    if not kep_was_clean:
        say(f"--> {kep_file} also holds changes of yours, or is new: review it, then git add it")
    for problem in accepted_problems(
        ws, ReceiptFile(target.relative_to(ws.root).as_posix(), release, state, number)
    ):
        say(f"--> still needed before it can be accepted: {problem}")


def _updated_kep(ws: Workspace, kep_path: str, kep: models.Kep, stage: str, release: str) -> str:
    """kep.yaml with stage, latest-milestone and (when the stage changes or is unset) milestone.<stage>."""
    text = ws.inside(f"keps/{kep_path}/kep.yaml").read_bytes().decode("utf-8")
    try:
        text = set_value(text, ("stage",), stage)
        text = set_value(text, ("latest-milestone",), release, quote='"')
        if kep.stage != stage or not kep.milestone_for(stage):
            text = set_value(text, ("milestone", stage), release, quote='"')
    except EditError as error:
        raise WorkflowError(f"keps/{kep_path}/kep.yaml: {error}") from None
    return text


def _quoted_title(title: str) -> str:
    try:
        return yaml_quoted(title)
    except EditError as error:
        raise WorkflowError(f"the KEP's title: {error}") from None


def write_exactly(path: Path, text: str) -> None:
    """Write ``text`` as it is: text mode would rewrite its line endings."""
    path.write_bytes(text.encode("utf-8"))
