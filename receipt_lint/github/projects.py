"""A GitHub Project (v2) and the enhancement issues, read and written for ``board``.

Read: the project's single-select fields with their options, and every item (100 to a
page) with its content (an issue's repository and number) and its single-select values;
the enhancement issues' node ids, labels and milestones, 50 to a request; the label and
milestone ids the plan needs.  Written: aliased mutations, at most ``MUTATIONS`` to a
request and a pause between requests, under GitHub's secondary limits (which ask for
about a second between mutating requests).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from receipt_lint.github import client as transport
from receipt_lint.github.client import Answer, Client, GitHubError, error_text
from receipt_lint.github.read import batches

MUTATIONS = 20  # aliased mutations in one request
PAUSE = 1.0  # seconds between mutating requests

PROJECT_QUERY = """
query ReceiptLintProject($owner: String!, $number: Int!, $after: String) {
  repositoryOwner(login: $owner) {
    ... on ProjectV2Owner {
      projectV2(number: $number) {
        id title
        fields(first: 100) {
          nodes { ... on ProjectV2SingleSelectField { id name options { id name } } }
        }
        items(first: 100, after: $after) {
          pageInfo { hasNextPage endCursor }
          nodes {
            id
            content {
              __typename
              ... on Issue { number title repository { nameWithOwner } }
              ... on PullRequest { number title repository { nameWithOwner } }
              ... on DraftIssue { title }
            }
            fieldValues(first: 100) {
              nodes {
                ... on ProjectV2ItemFieldSingleSelectValue {
                  name
                  field { ... on ProjectV2SingleSelectField { name } }
                }
              }
            }
          }
        }
      }
    }
  }
}
"""


@dataclass
class Field:
    id: str
    name: str
    options: dict[str, str]  # option name -> option id


@dataclass
class Item:
    id: str
    kind: str  # Issue, PullRequest, DraftIssue (or what else GitHub adds)
    repo: str | None  # OWNER/REPO of an issue or pull request; None for a draft
    number: int | None
    title: str
    values: dict[str, str]  # field name -> option name


@dataclass
class Board:
    id: str
    title: str
    fields: dict[str, Field]
    items: list[Item] = field(default_factory=list)


@dataclass
class IssueState:
    id: str
    labels: list[str]
    milestone: str | None


def read_board(client: Client, owner: str, number: int) -> Board:
    board: Board | None = None
    after: str | None = None
    while True:
        answer = client.query(PROJECT_QUERY, {"owner": owner, "number": number, "after": after})
        owner_node = answer.data.get("repositoryOwner")
        project = owner_node.get("projectV2") if isinstance(owner_node, dict) else None
        if not isinstance(project, dict):
            said = _first_error(answer) or "not found, or not visible to this token"
            raise GitHubError(f"project {owner}/{number}: {said}")
        if board is None:
            board = Board(str(project["id"]), str(project.get("title") or ""), _fields(project))
        items = project.get("items") or {}
        board.items += [_item(node) for node in items.get("nodes") or [] if isinstance(node, dict)]
        info = items.get("pageInfo") or {}
        if not info.get("hasNextPage") or not isinstance(info.get("endCursor"), str):
            return board
        after = info["endCursor"]


def _fields(project: dict[str, Any]) -> dict[str, Field]:
    found = {}
    for node in (project.get("fields") or {}).get("nodes") or []:
        if isinstance(node, dict) and isinstance(node.get("options"), list):
            options = {str(o["name"]): str(o["id"]) for o in node["options"] if isinstance(o, dict)}
            found[str(node["name"])] = Field(str(node["id"]), str(node["name"]), options)
    return found


def _item(node: dict[str, Any]) -> Item:
    content: dict[str, Any] = node["content"] if isinstance(node.get("content"), dict) else {}
    repository: dict[str, Any] = content["repository"] if isinstance(content.get("repository"), dict) else {}
    values = {}
    for value in (node.get("fieldValues") or {}).get("nodes") or []:
        if isinstance(value, dict) and isinstance(value.get("field"), dict) and value.get("name"):
            values[str(value["field"].get("name"))] = str(value["name"])
    number = content.get("number")
    return Item(
        id=str(node["id"]),
        kind=str(content.get("__typename") or "DraftIssue"),
        repo=repository.get("nameWithOwner") if isinstance(repository.get("nameWithOwner"), str) else None,
        number=number if isinstance(number, int) else None,
        title=str(content.get("title") or ""),
        values=values,
    )


ISSUE_FIELDS = "id labels(first: 100) { nodes { name } } milestone { title }"


def read_issues(client: Client, repo: str, numbers: Sequence[int]) -> dict[int, IssueState]:
    """The enhancement issues' node ids, labels and milestones, 50 to a request."""
    owner, name = repo.split("/")
    found: dict[int, IssueState] = {}
    for batch in batches(sorted(set(numbers))):
        declared = ", ".join(f"$k{i}: Int!" for i in range(len(batch)))
        fields = "\n".join(f"    i{i}: issue(number: $k{i}) {{ {ISSUE_FIELDS} }}" for i in range(len(batch)))
        document = (
            f"query ReceiptLintBoardIssues($owner: String!, $name: String!, {declared}) {{\n"
            f"  repository(owner: $owner, name: $name) {{\n{fields}\n  }}\n}}\n"
        )
        variables: dict[str, Any] = {"owner": owner, "name": name}
        variables.update({f"k{i}": number for i, number in enumerate(batch)})
        answer = client.query(document, variables)
        repository = answer.data.get("repository")
        if not isinstance(repository, dict):  # the repository itself: a typo in --issues-repo, or private
            said = _first_error(answer) or "not found, or not visible to this token"
            raise GitHubError(f"{repo}: {said}: check --issues-repo")
        for i, number in enumerate(batch):
            node = repository.get(f"i{i}") if isinstance(repository, dict) else None
            if isinstance(node, dict):
                labels = [str(n["name"]) for n in (node.get("labels") or {}).get("nodes") or []]
                milestone = node.get("milestone")
                title = milestone.get("title") if isinstance(milestone, dict) else None
                found[number] = IssueState(str(node["id"]), sorted(labels), title)
    return found


def read_names(
    client: Client, repo: str, labels: Iterable[str], milestone: str | None
) -> tuple[dict[str, str], str | None]:
    """The ids of ``labels`` (those the repository has) and of the milestone titled ``milestone``."""
    owner, name = repo.split("/")
    wanted = sorted(set(labels))
    declared = "".join(f", $l{i}: String!" for i in range(len(wanted)))
    fields = "\n".join(f"    l{i}: label(name: $l{i}) {{ id name }}" for i in range(len(wanted)))
    document = (
        f"query ReceiptLintNames($owner: String!, $name: String!, $milestone: String!{declared}) {{\n"
        f"  repository(owner: $owner, name: $name) {{\n{fields}\n"
        "    milestones(first: 20, query: $milestone, states: [OPEN, CLOSED]) {\n"
        "      nodes { id title }\n    }\n  }\n}\n"
    )
    variables: dict[str, Any] = {"owner": owner, "name": name, "milestone": milestone or ""}
    variables.update({f"l{i}": label for i, label in enumerate(wanted)})
    answer = client.query(document, variables)
    repository = answer.data.get("repository") or {}
    ids = {}
    for i, label in enumerate(wanted):
        node = repository.get(f"l{i}")
        if isinstance(node, dict) and node.get("id"):
            ids[label] = str(node["id"])
    milestones = (repository.get("milestones") or {}).get("nodes") or []
    milestone_id = next(
        (str(m["id"]) for m in milestones if isinstance(m, dict) and m.get("title") == milestone), None
    )
    return ids, milestone_id


@dataclass(frozen=True)
class Mutation:
    """One aliased mutation: GraphQL field, its input type and its input, and what it does in words."""

    name: str  # addProjectV2ItemById, updateProjectV2ItemFieldValue, ...
    input_type: str
    input: dict[str, Any]
    what: str  # "KEP 2140: Status", for a message when GitHub refuses it
    selection: str = "clientMutationId"


class WriteError(GitHubError):
    """GitHub refused a change; ``made`` changes of the call had been made."""

    def __init__(self, message: str, made: int) -> None:
        super().__init__(message)
        self.made = made


def write(
    client: Client, mutations: Sequence[Mutation], *, pause_first: bool = False
) -> list[dict[str, Any]]:
    """Run ``mutations`` in order, ``MUTATIONS`` to a request, pausing before each request but a first."""
    results: list[dict[str, Any]] = []
    for index, batch in enumerate(batches(mutations, MUTATIONS)):
        if index or pause_first:
            transport.sleep(PAUSE)
        declared = ", ".join(f"$m{i}: {m.input_type}!" for i, m in enumerate(batch))
        fields = "\n".join(f"  m{i}: {m.name}(input: $m{i}) {{ {m.selection} }}" for i, m in enumerate(batch))
        answer = client.query(
            f"mutation ReceiptLintBoard({declared}) {{\n{fields}\n}}\n",
            {f"m{i}": m.input for i, m in enumerate(batch)},
        )
        if answer.errors:
            # GraphQL runs the other aliases of a request after one fails: count what was made.
            made = len(results) + sum(1 for i in range(len(batch)) if answer.data.get(f"m{i}") is not None)
            raise WriteError(_refused(answer, batch), made)
        results += [answer.data.get(f"m{i}") or {} for i in range(len(batch))]
    return results


def _refused(answer: Answer, batch: Sequence[Mutation]) -> str:
    error = answer.errors[0]
    path = error.get("path")
    alias = path[0] if isinstance(path, list) and path else None
    what = next((m.what for i, m in enumerate(batch) if f"m{i}" == alias), "a change")
    said = f"GitHub refused {what} ({error_text(error)})"
    if error.get("type") == "FORBIDDEN" or "not accessible" in str(error.get("message", "")):
        said += (
            ": the token needs write access to the project and the issues (an organization's project: a "
            "classic token with the project and repo scopes, or a GitHub App; not the Actions GITHUB_TOKEN)"
        )
    return said


def _first_error(answer: Answer) -> str | None:
    return error_text(answer.errors[0]) if answer.errors else None
