"""``board``: read the project and the issues, plan, and with ``--apply`` write the plan and read it back.

Nothing is written until every field, option, label and milestone the plan needs is known
to exist (``BoardError`` otherwise: exit 2).  Items are added first (their new ids are
needed for their fields), then fields, labels and milestones, in paced batches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from receipt_lint.github import board as planning
from receipt_lint.github import client as transport
from receipt_lint.github import projects
from receipt_lint.github.board import Change, LabelChange, Plan, Receipts
from receipt_lint.github.client import Client, GitHubError
from receipt_lint.github.projects import Board, IssueState, Mutation
from receipt_lint.reporters import one_line


@dataclass
class Outcome:
    project: str
    release: str
    board: Board
    plan: Plan
    applied: bool
    written: int = 0
    wrote: Plan | None = None  # with --apply: the plan that was written (the log of a periodic job)


def sync(
    client: Client,
    project: str,
    release: str,
    issues_repo: str,
    receipts: Receipts,
    *,
    labels: bool,
    apply: bool,
) -> Outcome:
    owner, number = project.split("/")
    board, issues, the_plan = _read_and_plan(
        client, owner, int(number), release, issues_repo, receipts, labels
    )
    names = _names(client, the_plan, release, issues_repo)  # checked in a dry run too: can the plan be taken?
    if not apply or the_plan.empty or the_plan.cannot:
        return Outcome(project, release, board, the_plan, applied=False)
    written = _write(client, board, the_plan, issues, names)
    transport.sleep(projects.PAUSE)  # let GitHub settle before the board is read back
    board, _, after = _read_and_plan(client, owner, int(number), release, issues_repo, receipts, labels)
    return Outcome(project, release, board, after, applied=True, written=written, wrote=the_plan)


def _read_and_plan(
    client: Client, owner: str, number: int, release: str, issues_repo: str, receipts: Receipts, labels: bool
) -> tuple[Board, dict[int, IssueState], Plan]:
    board = projects.read_board(client, owner, number)
    issues = projects.read_issues(client, issues_repo, [receipt.kep for receipt in receipts.wanted])
    the_plan = planning.plan(board, receipts, issues_repo, issues)
    if labels:
        the_plan.labels, notes = planning.label_changes(receipts, issues, release)
        the_plan.notes += notes
    return board, issues, the_plan


def _write(
    client: Client,
    board: Board,
    the_plan: Plan,
    issues: dict[int, IssueState],
    names: tuple[dict[str, str], str | None],
) -> int:
    """Items first (their fields need their ids), then fields, labels and milestones; the count written."""
    label_ids, milestone_id = names
    additions = [change for change in the_plan.changes if change.field == "item"]
    add = [
        Mutation(
            "addProjectV2ItemById",
            "AddProjectV2ItemByIdInput",
            {"projectId": board.id, "contentId": issues[int(change.kep)].id},
            f"KEP {change.kep}: the item",
            "item { id }",
        )
        for change in additions
    ]
    try:
        added = projects.write(client, add)
    except projects.WriteError as error:
        raise GitHubError(_partly(str(error), error.made)) from None
    new_items = {
        change.kep: str(result["item"]["id"]) for change, result in zip(additions, added, strict=True)
    }
    rest = [
        _field_mutation(board, change, new_items) for change in the_plan.changes if change.field != "item"
    ]
    for labeled in the_plan.labels:
        rest += _label_mutations(labeled, issues[int(labeled.kep)].id, label_ids, milestone_id)
    try:
        projects.write(client, rest, pause_first=bool(add))
    except projects.WriteError as error:
        raise GitHubError(_partly(str(error), len(add) + error.made)) from None
    return len(add) + len(rest)


def _partly(message: str, made: int) -> str:
    if not made:
        return message + "; nothing was written"
    return f"{message}; {made} change{'s' if made != 1 else ''} had been made: run it again to finish"


def _field_mutation(board: Board, change: Change, new_items: dict[str, str]) -> Mutation:
    return Mutation(
        "updateProjectV2ItemFieldValue",
        "UpdateProjectV2ItemFieldValueInput",
        {
            "projectId": board.id,
            "itemId": change.item or new_items[change.kep],
            "fieldId": board.fields[change.field].id,
            "value": {"singleSelectOptionId": change.option},
        },
        f"KEP {change.kep}: {change.field}",
    )


def _label_mutations(
    labeled: LabelChange, issue: str, label_ids: dict[str, str], milestone_id: str | None
) -> list[Mutation]:
    found = []
    for names, verb in ((labeled.add, "add"), (labeled.remove, "remove")):
        if names:
            mutation = "addLabelsToLabelable" if verb == "add" else "removeLabelsFromLabelable"
            found.append(
                Mutation(
                    mutation,
                    mutation[0].upper() + mutation[1:] + "Input",
                    {"labelableId": issue, "labelIds": [label_ids[name] for name in names]},
                    f"KEP {labeled.kep}: labels",
                )
            )
    if labeled.milestone is not None:
        target = milestone_id if labeled.milestone[1] is not None else None
        found.append(
            Mutation(
                "updateIssue",
                "UpdateIssueInput",
                {"id": issue, "milestoneId": target},
                f"KEP {labeled.kep}: milestone",
            )
        )
    return found


def _names(client: Client, the_plan: Plan, release: str, repo: str) -> tuple[dict[str, str], str | None]:
    """The label and milestone ids the plan needs; one the repository lacks goes to ``the_plan.cannot``."""
    wanted = {name for change in the_plan.labels for name in (*change.add, *change.remove)}
    needs_milestone = any(c.milestone is not None and c.milestone[1] is not None for c in the_plan.labels)
    if not wanted and not needs_milestone:
        return {}, None
    ids, milestone_id = projects.read_names(client, repo, wanted, release)
    missing = sorted(wanted - set(ids))
    if missing:
        the_plan.cannot.append(f"{repo} has no label {', '.join(missing)}: create it")
    if needs_milestone and milestone_id is None:
        the_plan.cannot.append(f"{repo} has no milestone {release}: create it")
    return ids, milestone_id


def changes(the_plan: Plan) -> int:
    """The changes a plan writes: each field, each item added, each label call and milestone."""
    labels = sum(bool(c.add) + bool(c.remove) + (c.milestone is not None) for c in the_plan.labels)
    return len(the_plan.changes) + labels


def as_dict(outcome: Outcome) -> dict[str, Any]:
    return {
        "version": 1,
        "project": outcome.project,
        "release": outcome.release,
        "plan": [
            {"kep": c.kep, "item": c.item, "field": c.field, "from": c.before, "to": c.after}
            for c in outcome.plan.changes
        ],
        "labels": [
            {
                "kep": c.kep,
                "add": list(c.add),
                "remove": list(c.remove),
                "milestone": None if c.milestone is None else {"from": c.milestone[0], "to": c.milestone[1]},
            }
            for c in outcome.plan.labels
        ],
        "untracked_items": outcome.plan.untracked,
        "cannot": outcome.plan.cannot,
        "missing_issues": outcome.plan.missing_issues,
        "notes": outcome.plan.notes,
        "applied": outcome.applied,
        "written": outcome.written,
    }


def render(outcome: Outcome, format_name: str) -> str:
    if format_name == "json":
        return json.dumps(as_dict(outcome), indent=2, ensure_ascii=False) + "\n"
    the_plan = outcome.plan
    lines = [f"Board {outcome.project} ({one_line(outcome.board.title)}) against releases/{outcome.release}:"]
    if outcome.wrote is not None:
        lines.append(
            f"Written ({outcome.written} change{'s' if outcome.written != 1 else ''}), then read again:"
        )
        lines += _plan_lines(outcome.wrote)
        if not the_plan.empty:
            lines.append("Still to write:")
    lines += _plan_lines(the_plan)
    if the_plan.cannot:
        lines.append(f"The project cannot take this plan ({len(the_plan.cannot)}): nothing was written")
        lines += [f"  {one_line(said)}" for said in the_plan.cannot]
    if the_plan.notes:
        lines.append(f"For a person ({len(the_plan.notes)}):")
        lines += [f"  {one_line(note)}" for note in the_plan.notes]
    if the_plan.missing_issues:
        missing = ", ".join(the_plan.missing_issues)
        lines.append(f"No enhancement issue ({len(the_plan.missing_issues)}): {missing}")
    if the_plan.untracked:
        lines.append(f"On the board, no receipt ({len(the_plan.untracked)}), left as they are:")
        lines += [f"  {one_line(name)}" for name in the_plan.untracked]
    if the_plan.agrees:
        lines.append("The board agrees with the receipts.")
    elif the_plan.empty:
        lines.append("Nothing to write, but the receipts leave questions (above).")
    elif not the_plan.cannot:
        count = changes(the_plan)
        verb = "still differs after writing" if outcome.applied else "differs"
        lines.append(
            f"The board {verb}: {count} change{'s' if count != 1 else ''}"
            + ("" if outcome.applied else "; run with --apply to write them")
        )
    return "\n".join(lines) + "\n"


def _plan_lines(the_plan: Plan) -> list[str]:
    """One line a KEP: its addition, each field from -> to, its labels and milestone."""
    said: dict[str, list[str]] = {}
    for change in the_plan.changes:
        if change.field == "item":
            said.setdefault(change.kep, []).append("add to the board")
        elif change.before is None:
            said.setdefault(change.kep, []).append(f"{change.field} -> {one_line(change.after)}")
        else:
            said.setdefault(change.kep, []).append(
                f"{change.field}: {one_line(change.before)} -> {one_line(change.after)}"
            )
    for labeled in the_plan.labels:
        parts = [f"add {', '.join(labeled.add)}"] if labeled.add else []
        parts += [f"remove {', '.join(labeled.remove)}"] if labeled.remove else []
        if labeled.milestone is not None:
            parts.append(
                f"milestone {labeled.milestone[0] or '(none)'} -> {labeled.milestone[1] or '(none)'}"
            )
        said.setdefault(labeled.kep, []).append("; ".join(parts))
    return [
        f"  KEP {kep}: {'; '.join(parts)}" for kep, parts in sorted(said.items(), key=lambda kv: int(kv[0]))
    ]
