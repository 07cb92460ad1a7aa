"""Reading a release's pull requests and enhancement issues in aliased batches.

A release of 100 KEPs with 300 pull requests is ceil(300/50) + ceil(100/50) requests,
plus one more per 50 issues or searches that have a further page: never one per pull
request.  A part GitHub could not give (NOT_FOUND, FORBIDDEN on one alias) is kept as
that item's ``error``, and the rest of the answer is used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from receipt_lint.github.client import Answer, Client, error_text
from receipt_lint.github.facts import PULL_URL, Facts, Issue, IssueStateName, Pull, PullState
from receipt_lint.model.times import utc_text

BATCH = 50
PULL_STATES: dict[str, PullState] = {"OPEN": "open", "MERGED": "merged", "CLOSED": "closed"}
ISSUE_STATES: dict[str, IssueStateName] = {"OPEN": "open", "CLOSED": "closed"}
MAX_PAGES = (
    50  # further pages of one timeline or search (5,000 references): a server that never ends stops here
)
T = TypeVar("T")

PULL_FIELDS = """
fragment PullFacts on PullRequest {
  url state isDraft title mergedAt reviewDecision updatedAt
  milestone { title }
  labels(first: 100) { nodes { name } }
}
"""
# Cross-references that are pull requests: the ones that say "kubernetes/enhancements#2140".
TIMELINE = """
  timelineItems(itemTypes: [CROSS_REFERENCED_EVENT], first: 100%s) {
    pageInfo { hasNextPage endCursor }
    nodes { ... on CrossReferencedEvent { source { ... on PullRequest { url state } } } }
  }
"""
ISSUE_FIELDS = (
    """
fragment IssueFacts on Issue {
  id number state title
  milestone { title }
  labels(first: 100) { nodes { name } }
"""
    + TIMELINE % ""
    + "}\n"
)
FOUND_FIELDS = """
fragment FoundPulls on SearchResultItemConnection {
  pageInfo { hasNextPage endCursor }
  nodes { ... on PullRequest { url state } }
}
"""


def batches(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def pulls_query(urls: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """One request for up to 50 pull requests: an aliased ``repository { pullRequest }`` each."""
    declared, fields, variables = [], [], {}
    for index, url in enumerate(urls):
        match = PULL_URL.fullmatch(url)
        assert match is not None, url  # read_release only asks for URLs that match
        owner, name, number = match.groups()
        declared.append(f"$o{index}: String!, $r{index}: String!, $n{index}: Int!")
        pull = f"pullRequest(number: $n{index}) {{ ...PullFacts }}"
        fields.append(f"  p{index}: repository(owner: $o{index}, name: $r{index}) {{ {pull} }}")
        variables.update({f"o{index}": owner, f"r{index}": name, f"n{index}": int(number)})
    document = (
        f"query ReceiptLintPulls({', '.join(declared)}) {{\n  rateLimit {{ cost remaining resetAt }}\n"
        + "\n".join(fields)
        + "\n}\n"
        + PULL_FIELDS
    )
    return document, variables


def issues_query(repo: str, numbers: Sequence[int]) -> tuple[str, dict[str, Any]]:
    """Up to 50 enhancement issues, each with its cross-references and a search for ``KEP-<number>``."""
    owner, name = repo.split("/")
    declared = ["$owner: String!", "$name: String!"]
    issues, searches = [], []
    variables: dict[str, Any] = {"owner": owner, "name": name}
    for index, number in enumerate(numbers):
        declared.append(f"$k{index}: Int!, $q{index}: String!")
        issues.append(f"    i{index}: issue(number: $k{index}) {{ ...IssueFacts }}")
        searches.append(f"  s{index}: search(query: $q{index}, type: ISSUE, first: 50) {{ ...FoundPulls }}")
        variables.update({f"k{index}": number, f"q{index}": search_text(owner, number)})
    document = (
        f"query ReceiptLintIssues({', '.join(declared)}) {{\n  rateLimit {{ cost remaining resetAt }}\n"
        "  repository(owner: $owner, name: $name) {\n"
        + "\n".join(issues)
        + "\n  }\n"
        + "\n".join(searches)
        + "\n}\n"
        + ISSUE_FIELDS
        + FOUND_FIELDS
    )
    return document, variables


def search_text(owner: str, number: int) -> str:
    """Pull requests of the issues repository's organisation that name the KEP."""
    return f'"KEP-{number}" is:pr org:{owner}'


def more_query(pages: Sequence[tuple[str, str, str]]) -> tuple[str, dict[str, Any]]:
    """The next page of timelines (by issue id) and searches (by text): (kind, key, cursor) each."""
    declared, fields, variables = [], [], {}
    for index, (kind, key, cursor) in enumerate(pages):
        declared.append(f"$x{index}: {'ID' if kind == 'timeline' else 'String'}!, $c{index}: String!")
        variables.update({f"x{index}": key, f"c{index}": cursor})
        if kind == "timeline":
            fields.append(
                f"  m{index}: node(id: $x{index}) {{ ... on Issue {{ {TIMELINE % f', after: $c{index}'} }} }}"
            )
        else:
            search = f"search(query: $x{index}, type: ISSUE, first: 50, after: $c{index})"
            fields.append(f"  m{index}: {search} {{ ...FoundPulls }}")
    searches = any(kind == "search" for kind, _, _ in pages)  # an unused fragment is an invalid document
    document = (
        f"query ReceiptLintMore({', '.join(declared)}) {{\n"
        + "\n".join(fields)
        + "\n}\n"
        + (FOUND_FIELDS if searches else "")
    )
    return document, variables


def read_release(
    client: Client, issues_repo: str, pull_urls: Iterable[str], kep_numbers: Iterable[int], now: dt.datetime
) -> Facts:
    """Every listed pull request and every KEP's enhancement issue, as GitHub has them now."""
    urls = sorted(set(pull_urls))
    pulls = {
        url: Pull(url=url, error="not a GitHub pull request URL")
        for url in urls
        if not PULL_URL.fullmatch(url)
    }
    for batch in batches([url for url in urls if url not in pulls]):
        answer = client.query(*pulls_query(batch))
        for index, url in enumerate(batch):
            pulls[url] = _pull(url, answer, f"p{index}")
    numbers = sorted(set(kep_numbers))
    issues: dict[str, Issue] = {}
    pages: list[tuple[str, str, str, int]] = []  # (kind, key, cursor, kep)
    referenced: dict[int, set[str]] = {number: set() for number in numbers}
    for batch_numbers in batches(numbers):
        answer = client.query(*issues_query(issues_repo, batch_numbers))
        for index, number in enumerate(batch_numbers):
            issue, timeline = _issue(number, answer, f"i{index}")
            issues[str(number)] = issue
            pages += _collect(referenced[number], timeline, "timeline", _issue_id(answer, index), number)
            owner = issues_repo.split("/")[0]
            search = answer.data.get(f"s{index}")
            pages += _collect(referenced[number], search, "search", search_text(owner, number), number)
    asked: dict[tuple[str, str], int] = {}
    while pages:
        for kind, key, _, _ in pages:
            asked[(kind, key)] = asked.get((kind, key), 0) + 1
        pages = [page for page in pages if asked[(page[0], page[1])] <= MAX_PAGES]
        batch_pages, pages = pages[:BATCH], pages[BATCH:]
        if not batch_pages:
            break
        answer = client.query(*more_query([(kind, key, cursor) for kind, key, cursor, _ in batch_pages]))
        for index, (kind, key, _, number) in enumerate(batch_pages):
            connection = answer.data.get(f"m{index}")
            if kind == "timeline" and isinstance(connection, dict):
                connection = connection.get("timelineItems")
            pages += _collect(referenced[number], connection, kind, key, number)
    for key, issue in issues.items():
        mentioned = sorted(referenced[int(key)] - _in_repo(issues_repo, referenced[int(key)]))
        issues[key] = issue.model_copy(update={"referenced_by": mentioned})
    return Facts(
        read_at=utc_text(now),
        endpoint=client.endpoint,
        issues_repo=issues_repo,
        requests=client.requests,
        pulls=pulls,
        issues=issues,
    )


def _in_repo(repo: str, urls: set[str]) -> set[str]:
    """The issues repository's own pull requests (KEP and receipt edits) are not the KEP's work."""
    prefix = f"https://github.com/{repo}/pull/".lower()
    return {url for url in urls if url.lower().startswith(prefix)}


def _error_at(answer: Answer, *path: str) -> str | None:
    """GitHub's message for the error at ``path`` or above it (a repository not found nulls its aliases)."""
    for error in answer.errors:
        where = error.get("path")
        if isinstance(where, list) and where and tuple(where[: len(path)]) == path[: len(where)]:
            return error_text(error)
    return None


def _pull(url: str, answer: Answer, alias: str) -> Pull:
    repository = answer.data.get(alias)
    node = repository.get("pullRequest") if isinstance(repository, dict) else None
    if not isinstance(node, dict):
        return Pull(
            url=url,
            error=_error_at(answer, alias, "pullRequest") or "not found, or not visible to this token",
        )
    merged_at = node.get("mergedAt")
    state = PULL_STATES.get(str(node.get("state")), "unknown")
    return Pull(
        url=url,
        state=state,
        draft=bool(node.get("isDraft")),
        title=str(node.get("title") or ""),
        merged_at=merged_at if isinstance(merged_at, str) else None,
        review_decision=node.get("reviewDecision") if isinstance(node.get("reviewDecision"), str) else None,
        labels=_names(node.get("labels")),
        milestone=_title(node.get("milestone")),
        updated_at=node.get("updatedAt") if isinstance(node.get("updatedAt"), str) else None,
        error=None if state != "unknown" else f"GitHub said state {node.get('state')!r}",
    )


def _issue_node(answer: Answer, alias: str) -> dict[str, Any] | None:
    repository = answer.data.get("repository")
    node = repository.get(alias) if isinstance(repository, dict) else None
    return node if isinstance(node, dict) else None


def _issue_id(answer: Answer, index: int) -> str:
    node = _issue_node(answer, f"i{index}")
    return str(node.get("id", "")) if node else ""


def _issue(number: int, answer: Answer, alias: str) -> tuple[Issue, Any]:
    node = _issue_node(answer, alias)
    if node is None:
        return Issue(
            number=number,
            error=_error_at(answer, "repository", alias) or "not found, or not visible to this token",
        ), None
    state = ISSUE_STATES.get(str(node.get("state")), "unknown")
    issue = Issue(
        number=number,
        state=state,
        title=str(node.get("title") or ""),
        milestone=_title(node.get("milestone")),
        labels=_names(node.get("labels")),
    )
    return issue, node.get("timelineItems")


def _collect(
    found: set[str], connection: Any, kind: str, key: str, number: int
) -> list[tuple[str, str, str, int]]:
    """Add the open or merged pull requests of one page; the next page to ask for, if any."""
    if not isinstance(connection, dict):
        return []
    for node in connection.get("nodes") or []:
        pull = node.get("source", node) if isinstance(node, dict) else None
        if not isinstance(pull, dict):
            continue
        url = pull.get("url")
        if isinstance(url, str) and PULL_URL.fullmatch(url) and pull.get("state") in ("OPEN", "MERGED"):
            found.add(url)
    info = connection.get("pageInfo") or {}
    cursor = info.get("endCursor")
    if info.get("hasNextPage") and isinstance(cursor, str) and key:
        return [(kind, key, cursor, number)]
    return []


def _names(connection: Any) -> list[str]:
    nodes = connection.get("nodes") if isinstance(connection, dict) else None
    return sorted(
        str(n["name"]) for n in nodes or [] if isinstance(n, dict) and isinstance(n.get("name"), str)
    )


def _title(milestone: Any) -> str | None:
    return str(milestone["title"]) if isinstance(milestone, dict) and milestone.get("title") else None
