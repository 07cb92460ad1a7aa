"""The fake GitHub's Projects (v2), labels and milestones: stateful, so a test applies a plan, reads it back.

Holds projects (fields with options, items with single-select values), each repository's
labels and milestones, and answers the queries and the mutations ``board`` sends
(add an item, set a field, add and remove labels, set or clear a milestone).  A token
without write access (``writable = False``) gets GitHub's FORBIDDEN for every mutation.
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError

STATUS_OPTIONS = (
    "Tracked for Enhancements Freeze",
    "Tracked for Code Freeze",
    "Tracked for Docs Freeze",
    "At Risk for Enhancements Freeze",
    "At Risk for Code Freeze",
    "At Risk for Docs Freeze",
    "At Risk for PRR Freeze",
    "Tracked for PRR Freeze",
    "Exception Pending",
    "Exception Approved",
    "Removed From Milestone",
    "Deferred",
)
FIELDS = {
    "Status": STATUS_OPTIONS,
    "Stage": ("Alpha", "Beta", "Stable", "Deprecation/Removal"),
    "SIG": ("SIG Architecture", "SIG Node", "SIG Apps", "SIG Auth"),
    "Type": ("Net New", "Major Change", "Graduating", "Deprecation"),
    "PRR": ("Approved", "Needs review"),  # a field the tool does not own
}


class Broken(Exception):
    """A mutation GitHub failed for its own reasons (no type: not a permission)."""


class Forbidden(Exception):
    """GitHub's FORBIDDEN: the token may read but not write."""


@dataclass
class FakeProjects:
    projects: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    labels: dict[str, set[str]] = field(default_factory=dict)  # OWNER/REPO -> the labels it has
    milestones: dict[str, list[str]] = field(default_factory=dict)
    writable: bool = True
    pull_titles: dict[tuple[str, int], str] = field(default_factory=dict)
    fail_after: int | None = None  # mutations that succeed before every later one fails (a GitHub hiccup)
    mutations: list[str] = field(default_factory=list)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def add_project(
        self, owner: str, number: int, title: str, fields: dict[str, tuple[str, ...]] = FIELDS
    ) -> None:
        self.projects[(owner, number)] = {
            "id": f"PVT_{owner}_{number}",
            "title": title,
            "fields": {
                name: {"id": f"F_{name}", "options": {o: f"O_{name}_{o}" for o in options}}
                for name, options in fields.items()
            },
            "items": [],
        }

    def add_item(
        self, owner: str, number: int, content: tuple[str, int] | str, kind: str = "Issue", **values: str
    ) -> str:
        """An item: an issue or pull request (repo, number) or a draft (its title), and its values."""
        item_id = f"PVTI_{next(self._ids)}"
        self.projects[(owner, number)]["items"].append(
            {"id": item_id, "content": content, "kind": kind, "values": dict(values)}
        )
        return item_id

    def item_values(self, owner: str, number: int, issue: int) -> dict[str, str] | None:
        for item in self.projects[(owner, number)]["items"]:
            if isinstance(item["content"], tuple) and item["content"][1] == issue and item["kind"] == "Issue":
                return dict(item["values"])
        return None

    # ----- queries -----
    def owner(self, login: str) -> dict[str, Any]:
        return {
            "__typename": "Organization",
            "id": f"O_{login}",
            "projectV2": lambda info, number: self._project(login, number),
        }

    def _project(self, login: str, number: int) -> dict[str, Any] | None:
        project = self.projects.get((login, number))
        if project is None:
            from tests.fake_github import NotFound

            raise NotFound(f"Could not resolve to a ProjectV2 with the number {number}.")
        fields = [
            {
                "__typename": "ProjectV2SingleSelectField",
                "id": spec["id"],
                "name": name,
                "dataType": "SINGLE_SELECT",
                "options": [{"id": oid, "name": oname} for oname, oid in spec["options"].items()],
            }
            for name, spec in project["fields"].items()
        ]
        return {
            "id": project["id"],
            "title": project["title"],
            "fields": lambda info, first=None, **_: {"nodes": fields[:first]},
            "items": lambda info, first=None, after=None, **_: self._items(project, first, after),
        }

    def _items(self, project: dict[str, Any], first: int | None, after: str | None) -> dict[str, Any]:
        start = int(after) if after else 0
        end = start + min(first or 100, 100)
        nodes = [self._item(project, item) for item in project["items"][start:end]]
        return {
            "nodes": nodes,
            "pageInfo": {"hasNextPage": end < len(project["items"]), "endCursor": str(end)},
        }

    def _item(self, project: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
        content = item["content"]
        if isinstance(content, tuple):
            pull = item["kind"] == "PullRequest"
            shown: dict[str, Any] = {
                "__typename": item["kind"],
                "number": content[1],
                "title": self.pull_titles.get(content, "") if pull else f"KEP {content[1]}",
                "repository": {"nameWithOwner": content[0]},
            }
        else:
            shown = {"__typename": "DraftIssue", "title": content}
        values = [
            {
                "__typename": "ProjectV2ItemFieldSingleSelectValue",
                "name": value,
                "field": {"__typename": "ProjectV2SingleSelectField", "name": name},
            }
            for name, value in item["values"].items()
        ]
        return {
            "id": item["id"],
            "content": shown,
            "fieldValues": lambda info, first=None, **_: {"nodes": values},
        }

    def repository_fields(self, repo: str) -> dict[str, Any]:
        return {
            "label": lambda info, name: (
                {"id": f"L_{name}", "name": name} if name in self.labels.get(repo, ()) else None
            ),
            "milestones": lambda info, query=None, **_: {
                "nodes": [
                    {"id": f"M_{t}", "title": t} for t in self.milestones.get(repo, []) if (query or "") in t
                ]
            },
        }

    # ----- mutations -----
    def resolvers(self, issues: dict[tuple[str, int], dict[str, Any]]) -> dict[str, Any]:
        def mutation(name: str, apply: Any) -> Any:
            def resolve(info: Any, input: dict[str, Any]) -> Any:
                self.mutations.append(name)
                if not self.writable:
                    raise Forbidden("Resource not accessible by personal access token")
                if self.fail_after is not None and len(self.mutations) > self.fail_after:
                    raise Broken("Something went wrong while executing your query.")
                return apply(input)

            return resolve

        return {
            "repositoryOwner": lambda info, login: self.owner(login),
            "addProjectV2ItemById": mutation("addProjectV2ItemById", self._add_item),
            "updateProjectV2ItemFieldValue": mutation("updateProjectV2ItemFieldValue", self._set_value),
            "addLabelsToLabelable": mutation(
                "addLabelsToLabelable", lambda i: self._labels(issues, i, add=True)
            ),
            "removeLabelsFromLabelable": mutation(
                "removeLabelsFromLabelable", lambda i: self._labels(issues, i, add=False)
            ),
            "updateIssue": mutation("updateIssue", lambda i: self._milestone(issues, i)),
        }

    def _project_by_id(self, project_id: str) -> dict[str, Any]:
        return next(p for p in self.projects.values() if p["id"] == project_id)

    def _add_item(self, given: dict[str, Any]) -> dict[str, Any]:
        project = self._project_by_id(given["projectId"])
        content = _issue_of(given["contentId"])
        for item in project["items"]:
            if item["content"] == content:
                return {"item": {"id": item["id"]}}  # GitHub returns the existing item
        item_id = f"PVTI_{next(self._ids)}"
        project["items"].append({"id": item_id, "content": content, "kind": "Issue", "values": {}})
        return {"item": {"id": item_id}}

    def _set_value(self, given: dict[str, Any]) -> dict[str, Any]:
        project = self._project_by_id(given["projectId"])
        [item] = [i for i in project["items"] if i["id"] == given["itemId"]]
        [(name, spec)] = [(n, s) for n, s in project["fields"].items() if s["id"] == given["fieldId"]]
        [option] = [o for o, oid in spec["options"].items() if oid == given["value"]["singleSelectOptionId"]]
        item["values"][name] = option
        return {"clientMutationId": None}

    def _labels(self, issues: dict[tuple[str, int], dict[str, Any]], given: dict[str, Any], add: bool) -> Any:
        issue = issues[_issue_of(given["labelableId"])]
        names = [label_id.removeprefix("L_") for label_id in given["labelIds"]]
        kept = [n for n in issue["labels"] if n not in names]
        issue["labels"] = sorted(kept + names) if add else kept
        return {"clientMutationId": None}

    def _milestone(self, issues: dict[tuple[str, int], dict[str, Any]], given: dict[str, Any]) -> Any:
        issue = issues[_issue_of(given["id"])]
        milestone_id = given.get("milestoneId")
        issue["milestone"] = milestone_id.removeprefix("M_") if milestone_id else None
        return {"clientMutationId": None}


def _issue_of(node_id: str) -> tuple[str, int]:
    repo, number = base64.b64decode(node_id.removeprefix("I_")).decode().rsplit("#", 1)
    return repo, int(number)


def forbidden_type(error: GraphQLError) -> str | None:
    return "FORBIDDEN" if isinstance(error.original_error, Forbidden) else None
