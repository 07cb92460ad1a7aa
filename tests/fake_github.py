"""A GitHub GraphQL server on 127.0.0.1 that answers the way GitHub does, for the GitHub commands' tests.

Every document it receives is validated against GitHub's published schema
(``tests/github_schema/schema.graphql``, from octokit/graphql-schema, MIT) and then
executed against that schema with graphql-core: a misspelt field, a wrong argument or
a variable of the wrong type fails the test that sent it (``FakeGitHub.invalid``), and
the answer has GitHub's shape, aliases and ``null``-with-``errors`` included.

Beside the data it can be scripted to fail like GitHub: 401 without the token, a 403
with ``retry-after``, a 502, a spent rate limit.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema, build_schema, execute_sync, parse, validate

from tests.fake_projects import FakeProjects, forbidden_type

SCHEMA_FILE = Path(__file__).resolve().parent / "github_schema" / "schema.graphql"
TOKEN = "ghp_fake0123456789abcdefTOKENthatMustNeverLeak"
PULL = re.compile(r"https://github\.com/([^/]+)/([^/]+)/pull/(\d+)")


@functools.lru_cache(maxsize=1)
def github_schema() -> GraphQLSchema:
    """GitHub's schema as published (built once per test process: ~2 s)."""
    schema = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"), assume_valid_sdl=True)
    # GitHub's SDL breaks two of graphql-core's schema rules (a deprecated field implementing a
    # non-deprecated interface field; a field defined twice).  GitHub serves it regardless, so the
    # schema is taken as valid; documents are still validated against it in full.
    schema._validation_errors = []
    return schema


def validation_errors(document: str) -> list[str]:
    """What GitHub's schema says is wrong with ``document``; [] when it is valid."""
    return _checked(document)[1]


@functools.lru_cache(maxsize=256)
def _checked(document: str) -> tuple[DocumentNode | None, list[str]]:
    """The parsed document and its validation errors, once per text (a benchmark sends the same ones)."""
    try:
        parsed = parse(document)
    except GraphQLError as error:
        return None, [error.message]
    return parsed, [error.message for error in validate(github_schema(), parsed)]


class NotFound(Exception):
    """GitHub's NOT_FOUND: the alias's field is null and an error names its path."""


@dataclass
class Scripted:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeGitHub:
    pulls: dict[str, dict[str, Any]] = field(default_factory=dict)
    issues: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    script: list[Scripted] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    headers_seen: list[dict[str, str]] = field(default_factory=list)
    max_page: int = 100
    remaining: int = 5000
    private: set[str] = field(default_factory=set)  # OWNER/REPO this token cannot see
    board: FakeProjects = field(default_factory=FakeProjects)  # Projects v2, labels, milestones
    _server: ThreadingHTTPServer | None = None

    # ----- the data -----
    def add_pull(
        self,
        url: str,
        *,
        state: str = "OPEN",
        draft: bool = False,
        labels: tuple[str, ...] = (),
        review: str | None = None,
        milestone: str | None = None,
        title: str = "a change",
        merged_at: str | None = None,
        body: str = "",
    ) -> None:
        if state == "MERGED" and merged_at is None:
            merged_at = "2026-03-10T12:00:00Z"
        self.pulls[url] = {
            "url": url,
            "state": state,
            "isDraft": draft,
            "labels": list(labels),
            "reviewDecision": review,
            "milestone": milestone,
            "title": title,
            "mergedAt": merged_at,
            "body": body,
            "updatedAt": "2026-03-17T10:00:00Z",
        }

    def add_issue(
        self,
        repo: str,
        number: int,
        *,
        state: str = "OPEN",
        labels: tuple[str, ...] = (),
        milestone: str | None = None,
        references: tuple[str, ...] = (),
        title: str = "",
    ) -> None:
        self.issues[(repo, number)] = {
            "state": state,
            "labels": list(labels),
            "milestone": milestone,
            "references": list(references),
            "title": title or f"KEP {number}",
            "number": number,
        }

    # ----- the server -----
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/graphql"

    def start(self) -> FakeGitHub:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                status, body, headers = fake.answer(dict(self.headers.items()), self.rfile.read(length))
                raw = json.dumps(body).encode()
                self.send_response(status)
                for key, value in {"content-type": "application/json", **headers}.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(self, headers: dict[str, str], raw: bytes) -> tuple[int, Any, dict[str, str]]:
        lowered = {key.lower(): value for key, value in headers.items()}
        self.headers_seen.append(lowered)
        request = json.loads(raw)
        self.received.append(request)
        if lowered.get("authorization") != f"bearer {TOKEN}":
            return (
                401,
                {"message": "Bad credentials", "documentation_url": "https://docs.github.com/graphql"},
                {},
            )
        if self.script:
            scripted = self.script.pop(0)
            return scripted.status, scripted.body, scripted.headers
        document, problems = _checked(request["query"])
        if document is None or problems:
            self.invalid += problems
            return 200, {"errors": [{"message": problem} for problem in problems]}, {}
        result = execute_sync(
            github_schema(), document, root_value=self._root(), variable_values=request.get("variables")
        )
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [_github_error(error) for error in result.errors]
        self.remaining -= 1
        return 200, body, {"x-ratelimit-remaining": str(self.remaining), "x-ratelimit-reset": "1893456000"}

    # ----- the resolvers: dicts whose callables graphql-core calls with (info, **arguments) -----
    def _root(self) -> dict[str, Any]:
        return {
            "rateLimit": {
                "cost": 1,
                "remaining": self.remaining,
                "resetAt": "2030-01-01T00:00:00Z",
                "limit": 5000,
            },
            "repository": lambda info, owner, name, **_: self._repository(owner, name),
            "search": lambda info, query, type, first=None, after=None, **_: self._search(
                query, first, after
            ),
            "node": lambda info, id: self._node(id),
            **self.board.resolvers(self.issues),
        }

    def _repository(self, owner: str, name: str) -> dict[str, Any]:
        repo = f"{owner}/{name}"
        known = {f"{o}/{n}" for o, n, _ in (PULL.fullmatch(u).groups() for u in self.pulls)}  # type: ignore[union-attr]
        known |= {r for r, _ in self.issues} | set(self.board.labels) | set(self.board.milestones)
        if repo in self.private or repo not in known:
            raise NotFound(f"Could not resolve to a Repository with the name '{repo}'.")
        return {
            "pullRequest": lambda info, number: self._pull(
                f"https://github.com/{repo}/pull/{number}", number
            ),
            "issue": lambda info, number: self._issue(repo, number),
            **self.board.repository_fields(repo),
        }

    def _pull(self, url: str, number: int) -> dict[str, Any]:
        pull = self.pulls.get(url)
        if pull is None:
            raise NotFound(f"Could not resolve to a PullRequest with the number of {number}.")
        return {
            **{key: value for key, value in pull.items() if key not in ("labels", "milestone", "body")},
            "__typename": "PullRequest",
            "milestone": {"title": pull["milestone"]} if pull["milestone"] else None,
            "labels": lambda info, first=None, **_: {"nodes": [{"name": n} for n in pull["labels"][:first]]},
        }

    def _issue(self, repo: str, number: int) -> dict[str, Any]:
        issue = self.issues.get((repo, number))
        if issue is None:
            raise NotFound(f"Could not resolve to an Issue with the number of {number}.")
        events = [
            {
                "__typename": "CrossReferencedEvent",
                "source": self._pull(url, 0) if url in self.pulls else {"__typename": "Issue"},
            }
            for url in issue["references"]
        ]
        return {
            "__typename": "Issue",
            "id": _node_id(repo, number),
            "number": number,
            "state": issue["state"],
            "title": issue["title"],
            "milestone": {"title": issue["milestone"]} if issue["milestone"] else None,
            "labels": lambda info, first=None, **_: {"nodes": [{"name": n} for n in issue["labels"][:first]]},
            "timelineItems": lambda info, first=None, after=None, **_: self._page(events, first, after),
        }

    def _page(self, items: list[Any], first: int | None, after: str | None) -> dict[str, Any]:
        start = int(after) if after else 0
        size = min(first or self.max_page, self.max_page)
        end = start + size
        return {
            "nodes": items[start:end],
            "pageInfo": {
                "hasNextPage": end < len(items),
                "endCursor": str(end) if items[start:end] else None,
            },
            "totalCount": len(items),
        }

    def _search(self, query: str, first: int | None, after: str | None) -> dict[str, Any]:
        named = re.search(r'"(KEP-\d+)"', query)
        org = re.search(r"org:(\S+)", query)
        found = [
            self._pull(url, 0)
            for url, pull in sorted(self.pulls.items())
            if named
            and named[1] in pull["title"] + " " + pull["body"]
            and (org is None or url.startswith(f"https://github.com/{org[1]}/"))
        ]
        page = self._page(found, first, after)
        return {**page, "issueCount": len(found)}

    def _node(self, node_id: str) -> dict[str, Any]:
        repo, number = base64.b64decode(node_id.removeprefix("I_")).decode().rsplit("#", 1)
        return self._issue(repo, int(number))


def _node_id(repo: str, number: int) -> str:
    return "I_" + base64.b64encode(f"{repo}#{number}".encode()).decode()


def _github_error(error: GraphQLError) -> dict[str, Any]:
    """As GitHub writes one: ``type`` NOT_FOUND beside the message, path and locations."""
    shaped: dict[str, Any] = {"message": error.message, "path": error.path}
    if error.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if isinstance(error.original_error, NotFound):
        shaped["type"] = "NOT_FOUND"
    elif forbidden_type(error):
        shaped["type"] = forbidden_type(error)
    return shaped


def rate_limited(seconds: int) -> Scripted:
    """A secondary rate limit: 403 with retry-after."""
    return Scripted(
        403, {"message": "You have exceeded a secondary rate limit."}, {"retry-after": str(seconds)}
    )


def spent(reset_in: int, now: Callable[[], float]) -> Scripted:
    """The primary limit spent: 200, RATE_LIMITED, remaining 0 and the reset time."""
    reset = int(now()) + reset_in
    return Scripted(
        200,
        {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]},
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
    )


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
