"""Every GraphQL document the GitHub part can build, checked against GitHub's published schema.

The fake GitHub validates what the other tests happen to send; this sends every shape on
purpose (one alias and fifty, timelines and searches alone and mixed, each mutation), so a
misspelt field or a wrong argument type fails here whatever path a feature test takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from receipt_lint.github import projects, read
from receipt_lint.github.client import Answer
from receipt_lint.github.projects import Mutation
from tests.fake_github import validation_errors

K8S = "https://github.com/kubernetes/kubernetes/pull/"


class Validating:
    """A client that checks each document and its variables' names, and answers with no data."""

    requests = 0
    endpoint = "https://api.github.com/graphql"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def query(self, document: str, variables: Mapping[str, Any] | None = None) -> Answer:
        assert validation_errors(document) == [], document
        for name in variables or {}:
            assert f"${name}:" in document, f"${name} is sent but not declared"
        self.sent.append(document)
        return Answer({"repository": {}, "repositoryOwner": None})


@pytest.mark.parametrize("count", [1, 50])
def test_the_pull_request_and_issue_batches(count: int) -> None:
    urls = [f"{K8S}{n + 1}" for n in range(count)]
    assert validation_errors(read.pulls_query(urls)[0]) == []
    assert validation_errors(read.issues_query("kubernetes/enhancements", list(range(1, count + 1)))[0]) == []


@pytest.mark.parametrize(
    "pages",
    [
        [("timeline", "I_abc", "100")],
        [("search", '"KEP-1" is:pr org:kubernetes', "Y3Vyc29y")],
        [("timeline", "I_abc", "100"), ("search", '"KEP-1" is:pr org:kubernetes', "Y3Vyc29y")] * 25,
    ],
)
def test_the_further_pages(pages: list[tuple[str, str, str]]) -> None:
    document, variables = read.more_query(pages)
    assert validation_errors(document) == []
    assert len(variables) == 2 * len(pages)


def test_the_project_the_issues_the_names_and_every_mutation(monkeypatch: pytest.MonkeyPatch) -> None:
    from receipt_lint.github import client as transport

    monkeypatch.setattr(transport, "sleep", lambda seconds: None)
    client = Validating()
    with pytest.raises(Exception, match="project kubernetes/264"):
        projects.read_board(client, "kubernetes", 264)  # type: ignore[arg-type]
    assert projects.read_issues(client, "kubernetes/enhancements", list(range(1, 51))) == {}  # type: ignore[arg-type]
    projects.read_names(client, "kubernetes/enhancements", ["tracked/yes", "stage/beta"], "v1.37")  # type: ignore[arg-type]
    mutations = [
        Mutation("addProjectV2ItemById", "AddProjectV2ItemByIdInput", {}, "item", "item { id }"),
        Mutation("updateProjectV2ItemFieldValue", "UpdateProjectV2ItemFieldValueInput", {}, "field"),
        Mutation("addLabelsToLabelable", "AddLabelsToLabelableInput", {}, "labels"),
        Mutation("removeLabelsFromLabelable", "RemoveLabelsFromLabelableInput", {}, "labels"),
        Mutation("updateIssue", "UpdateIssueInput", {}, "milestone"),
    ]
    projects.write(client, mutations * 5)  # type: ignore[arg-type]
    assert len(client.sent) == 3 + 2  # 25 mutations: two requests of at most 20
