"""``board``: read the project and the issues, plan, and with ``--apply`` write the plan and read it back.

Nothing is written until every field, option, label and milestone the plan needs is known
to exist (``BoardError`` otherwise: exit 2).  Items are added first (their new ids are
needed for their fields), then fields, labels and milestones, in paced batches.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from receipt_lint.github import board as planning
from receipt_lint.github import projects
from receipt_lint.github.board import BoardError, Plan, Wanted
from receipt_lint.github.client import Client
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


def sync(
    client: Client,
    project: str,
    release: str,
    issues_repo: str,
    receipts: list[Wanted],
    *,
    labels: bool,
    apply: bool,
) -> Outcome:
    owner, number = project.split("/")
    board, issues, the_plan = _read_and_plan(
        client, owner, int(number), release, issues_repo, receipts, labels
    )
    if not apply or the_plan.empty:
        return Outcome(project, release, board, the_plan, applied=False)
    written = _write(client, board, the_plan, issues, release, issues_repo)
    board, _, after = _read_and_plan(client, owner, int(number), release, issues_repo, receipts, labels)
    return Outcome(project, release, board, after, applied=True, written=written)


def _read_and_plan(
    client: Client,
    owner: str,
    number: int,
    release: str,
    issues_repo: str,
    receipts: list[Wanted],
    labels: bool,
) -> tuple[Board, dict[int, IssueState], Plan]:
    board = projects.read_board(client, owner, number)
    issues = projects.read_issues(client, issues_repo, [receipt.kep for receipt in receipts])
    the_plan = planning.plan(board, receipts, issues_repo, issues)
    if labels:
        the_plan.labels = planning.label_changes(receipts, issues, release)
    return board, issues, the_plan


def _write(
    client: Client, board: Board, the_plan: Plan, issues: dict[int, IssueState], release: str, repo: str
) -> int:
    label_ids, milestone_id = _names(client, the_plan, release, repo)
    additions = [change for change in the_plan.changes if change.field == "item"]
    added = projects.write(
        client,
        [
            Mutation(
                "addProjectV2ItemById",
                "AddProjectV2ItemByIdInput",
                {"projectId": board.id, "contentId": issues[int(change.kep)].id},
                "item { id }",
            )
            for change in additions
        ],
    )
    new_items = {
        change.kep: str(result["item"]["id"]) for change, result in zip(additions, added, strict=True)
    }
    rest: list[Mutation] = []
    for change in the_plan.changes:
        if change.field != "item":
            rest.append(
                Mutation(
                    "updateProjectV2ItemFieldValue",
                    "UpdateProjectV2ItemFieldValueInput",
                    {
                        "projectId": board.id,
                        "itemId": change.item or new_items[change.kep],
                        "fieldId": board.fields[change.field].id,
                        "value": {"singleSelectOptionId": change.option},
                    },
                )
            )
    for labeled in the_plan.labels:
        issue = issues[int(labeled.kep)].id
        if labeled.add:
            ids = [label_ids[name] for name in labeled.add]
            rest.append(
                Mutation(
                    "addLabelsToLabelable",
                    "AddLabelsToLabelableInput",
                    {"labelableId": issue, "labelIds": ids},
                )
            )
        if labeled.remove:
            ids = [label_ids[name] for name in labeled.remove]
            rest.append(
                Mutation(
                    "removeLabelsFromLabelable",
                    "RemoveLabelsFromLabelableInput",
                    {"labelableId": issue, "labelIds": ids},
                )
            )
        if labeled.milestone is not None:
            target = milestone_id if labeled.milestone[1] is not None else None
            rest.append(Mutation("updateIssue", "UpdateIssueInput", {"id": issue, "milestoneId": target}))
    projects.write(client, rest)
    return len(additions) + len(rest)


def _names(client: Client, the_plan: Plan, release: str, repo: str) -> tuple[dict[str, str], str | None]:
    """The label and milestone ids the plan needs; BoardError, before anything is written, for one missing."""
    wanted = {name for change in the_plan.labels for name in (*change.add, *change.remove)}
    needs_milestone = any(c.milestone is not None and c.milestone[1] is not None for c in the_plan.labels)
    if not wanted and not needs_milestone:
        return {}, None
    ids, milestone_id = projects.read_names(client, repo, wanted, release)
    missing = sorted(wanted - set(ids))
    if missing:
        raise BoardError(f"{repo} has no label {', '.join(missing)}: create it first; nothing was written")
    if needs_milestone and milestone_id is None:
        raise BoardError(f"{repo} has no milestone {release}: create it first; nothing was written")
    return ids, milestone_id


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
        "missing_issues": outcome.plan.missing_issues,
        "applied": outcome.applied,
        "written": outcome.written,
    }


def render(outcome: Outcome, format_name: str) -> str:
    if format_name == "json":
        return json.dumps(as_dict(outcome), indent=2, ensure_ascii=False) + "\n"
    the_plan = outcome.plan
    lines = [f"Board {outcome.project} ({one_line(outcome.board.title)}) against releases/{outcome.release}:"]
    if outcome.applied:
        lines.append(
            f"  {outcome.written} change{'s' if outcome.written != 1 else ''} written, "
            "then the board read again"
        )
    for change in the_plan.changes:
        if change.field == "item":
            lines.append(f"  KEP {change.kep}: add the enhancement issue to the board")
        else:
            lines.append(
                f"  KEP {change.kep}: {change.field}: "
                f"{one_line(change.before or '(none)')} -> {one_line(change.after)}"
            )
    for labeled in the_plan.labels:
        said = [f"add {', '.join(labeled.add)}"] if labeled.add else []
        said += [f"remove {', '.join(labeled.remove)}"] if labeled.remove else []
        if labeled.milestone is not None:
            said.append(f"milestone {labeled.milestone[0] or '(none)'} -> {labeled.milestone[1] or '(none)'}")
        lines.append(f"  KEP {labeled.kep}: {'; '.join(said)}")
    if the_plan.missing_issues:
        lines.append(
            f"No enhancement issue ({len(the_plan.missing_issues)}): " + ", ".join(the_plan.missing_issues)
        )
    if the_plan.untracked:
        lines.append(f"On the board, no receipt ({len(the_plan.untracked)}), left as they are:")
        lines += [f"  {one_line(name)}" for name in the_plan.untracked]
    if the_plan.empty:
        lines.append("The board agrees with the receipts.")
    else:
        count = len(the_plan.changes) + len(the_plan.labels)
        verb = "still differs after writing" if outcome.applied else "differs"
        lines.append(
            f"The board {verb}: {count} change{'s' if count != 1 else ''}"
            + ("" if outcome.applied else "; run with --apply to write them")
        )
    return "\n".join(lines) + "\n"


def now_text(now: dt.datetime) -> str:
    return now.isoformat()
