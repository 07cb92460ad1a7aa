"""The one door to GitHub's GraphQL API: the token, the endpoint, rate limits and retries.

The token comes from ``GITHUB_TOKEN``, else ``GH_TOKEN``, else ``gh auth token``; it is
sent only to the configured endpoint, over https (plain http only to a loopback
address, for tests and local mirrors), with redirects never followed, and it is
never part of a message, a snapshot or a cache.  Rate limits are obeyed
(``retry-after``, a spent ``x-ratelimit-remaining``) by waiting when the wait fits in
``max_wait``; 502/503/504 and timeouts are retried twice with backoff; anything
else is a ``GitHubError``: one line for the user, exit 2.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

DEFAULT_ENDPOINT = "https://api.github.com/graphql"
RETRIES = 2  # a 502/503/504 or a timeout is asked again twice
MIN_WAIT = 1.0  # seconds a rate-limit wait counts at least
BACKOFF = 2.0  # seconds before the first retry; doubled for the next
TIMEOUT = 30.0
USER_AGENT = "receipt-lint (https://github.com/kubernetes/enhancements receipts)"

# Tests replace these to run without waiting; the program waits for real.
sleep: Callable[[float], None] = time.sleep
clock: Callable[[], float] = time.time


class GitHubError(Exception):
    """GitHub could not be read (or written): one line saying what to do.  Never holds the token."""


@dataclass
class Answer:
    """A GraphQL response: its ``data`` and its ``errors`` (kept per alias by the caller)."""

    data: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)


def error_text(error: dict[str, Any]) -> str:
    """One GraphQL error as a line: ``NOT_FOUND: Could not resolve ...`` (with GitHub's type, if any)."""
    kind = error.get("type")
    message = " ".join(str(error.get("message", "")).split())[:200] or "GitHub gave no answer"
    return f"{kind}: {message}" if isinstance(kind, str) else message


def find_token(environ: Mapping[str, str] | None = None) -> str:
    """``GITHUB_TOKEN``, else ``GH_TOKEN``, else what ``gh auth token`` prints."""
    environ = os.environ if environ is None else environ
    for name in ("GITHUB_TOKEN", "GH_TOKEN"):
        token = environ.get(name, "").strip()
        if token:
            return _usable(token, name)
    gh = shutil.which("gh", path=environ.get("PATH"))
    if gh is not None:
        try:
            done = subprocess.run(
                [gh, "auth", "token"], capture_output=True, text=True, timeout=20, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            done = None
        if done is not None and done.returncode == 0 and done.stdout.strip():
            return _usable(done.stdout.strip(), "`gh auth token`")
    raise GitHubError(
        "no GitHub token: set GITHUB_TOKEN (or GH_TOKEN), or log in with `gh auth login`; "
        "status needs a token that can read public repositories, board one that can write the project "
        "and the issues"
    )


def _usable(token: str, source: str) -> str:
    """A token is printable ASCII with no space: anything else (a pasted line break) cannot go in a header."""
    if not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
        raise GitHubError(
            f"the token in {source} holds a space, a line break or a character a token cannot have"
        )
    return token


def find_endpoint(environ: Mapping[str, str] | None = None) -> str:
    """``GITHUB_GRAPHQL_URL`` (Actions and GitHub Enterprise set it), else api.github.com.

    https only, except plain http to a loopback address: the token must not cross a
    network in the clear.
    """
    environ = os.environ if environ is None else environ
    url = environ.get("GITHUB_GRAPHQL_URL", "").strip() or DEFAULT_ENDPOINT
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    if parts is None or not host:
        raise GitHubError("GITHUB_GRAPHQL_URL is not a URL receipt-lint can use: give https://HOST/graphql")
    if parts.username or parts.password:
        raise GitHubError("GITHUB_GRAPHQL_URL holds a user name or password: give the token in GITHUB_TOKEN")
    if parts.scheme == "https" or (parts.scheme == "http" and _loopback(host)):
        return url
    raise GitHubError(
        f"GITHUB_GRAPHQL_URL must be an https URL (plain http only to this machine): {parts.scheme}://{host}"
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Client:
    """Posts GraphQL documents to one endpoint with one token; counts the requests it made."""

    def __init__(self, endpoint: str, token: str, *, max_wait: float = 60.0) -> None:
        self.endpoint = endpoint
        self.requests = 0
        self._token = token
        self._waited = 0.0
        self._max_wait = max_wait
        self._http = httpx.Client(
            timeout=TIMEOUT,
            follow_redirects=False,  # a redirect would carry the token to another address
            # A proxy from the environment (HTTP_PROXY) would read a plain-http request, token and all;
            # over https it only sees an encrypted tunnel.
            trust_env=endpoint.startswith("https://"),
            headers={"Authorization": f"bearer {token}", "User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(self, document: str, variables: Mapping[str, Any] | None = None) -> Answer:
        """The answer to ``document``; waits out rate limits and retries transient failures."""
        body = {"query": document, "variables": dict(variables or {})}
        failures = 0
        while True:
            try:
                response = self._post(body)
            except httpx.TimeoutException:
                failures = self._retry(failures, "GitHub did not answer in time")
                continue
            except httpx.HTTPError as error:  # refused, unreachable, TLS: the network, not GitHub
                raise GitHubError(self._clean(f"could not reach {self._host}: {_reason(error)}")) from None
            if response.status_code in (502, 503, 504):
                failures = self._retry(failures, f"GitHub answered HTTP {response.status_code}")
                continue
            wait = _rate_limit_wait(response, clock())
            if wait is not None:
                self._wait(wait)
                continue
            return self._answer(response)

    @property
    def _host(self) -> str:
        return urlsplit(self.endpoint).hostname or self.endpoint

    def _post(self, body: dict[str, Any]) -> httpx.Response:
        self.requests += 1
        return self._http.post(self.endpoint, json=body)

    def _retry(self, failures: int, what: str) -> int:
        if failures >= RETRIES:
            raise GitHubError(f"{what} ({failures + 1} tries): try again later")
        sleep(BACKOFF * 2**failures)
        return failures + 1

    def _wait(self, seconds: float) -> None:
        """Wait out a rate limit, or say when to try again when that is longer than ``max_wait``.

        Every wait counts at least a second against ``max_wait``: a server that keeps saying
        "retry after 0" cannot keep the client asking for ever.
        """
        seconds = max(seconds, MIN_WAIT)
        if self._waited + seconds > self._max_wait:
            raise GitHubError(
                f"GitHub's rate limit is spent{_until(seconds)} ({min(seconds, 1e9):.0f} s, more than "
                f"--max-wait {self._max_wait:.0f} in all): run it again then, or raise --max-wait"
            )
        self._waited += seconds
        sleep(seconds)

    def _answer(self, response: httpx.Response) -> Answer:
        status = response.status_code
        payload = _json(response)
        message = _message(payload)
        if status == 401:
            raise GitHubError(
                self._clean(
                    f"GitHub refused the token (401{': ' + message if message else ''}): it is missing, "
                    "expired or revoked; set a valid GITHUB_TOKEN or run `gh auth login`"
                )
            )
        if status in (301, 302, 303, 307, 308):
            raise GitHubError(
                f"{self._host} redirects (HTTP {status}) and the token is not sent on: set "
                "GITHUB_GRAPHQL_URL to the address GitHub's API answers at"
            )
        if status in (403, 404):
            raise GitHubError(
                self._clean(f"GitHub refused the request (HTTP {status}): {message or 'no reason'}")
            )
        if status != 200 or not isinstance(payload, dict):
            raise GitHubError(f"GitHub answered HTTP {status} with no GraphQL answer: try again later")
        listed = payload.get("errors")
        errors = [self._cleaned(e) for e in listed if isinstance(e, dict)] if isinstance(listed, list) else []
        data = payload.get("data")
        if not isinstance(data, dict):
            first = str(errors[0].get("message", "")) if errors else "no data"
            raise GitHubError(f"GitHub could not answer the query: {first}")
        return Answer(data, errors)

    def _cleaned(self, error: dict[str, Any]) -> dict[str, Any]:
        """An error of the answer, its message without the token: it goes into reports and snapshots."""
        if isinstance(error.get("message"), str):
            return {**error, "message": self._clean(error["message"])}
        return error

    def _clean(self, text: str) -> str:
        """Whatever came back, without the token (a proxy or server might echo a header)."""
        return text.replace(self._token, "[token]") if self._token else text


def _until(seconds: float) -> str:
    try:
        return f" until {dt.datetime.fromtimestamp(clock() + seconds, dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC"
    except (OverflowError, ValueError, OSError):  # a reset time past any calendar
        return ""


def _rate_limit_wait(response: httpx.Response, now: float) -> float | None:
    """Seconds to wait before asking again, when the response says the rate limit is spent."""
    headers = response.headers
    if response.status_code in (403, 429) and "retry-after" in headers:
        try:
            return max(0.0, float(headers["retry-after"]))
        except ValueError:
            return 60.0  # GitHub's own advice for a secondary limit with no usable value
    if response.status_code in (200, 403, 429) and headers.get("x-ratelimit-remaining") == "0":
        if response.status_code == 200 and _has_data(response):
            return None  # this answer came through; the next request will meet the limit
        try:
            return max(0.0, float(headers.get("x-ratelimit-reset", "")) - now) + 1
        except ValueError:
            return 60.0
    return None


def _has_data(response: httpx.Response) -> bool:
    payload = _json(response)
    return isinstance(payload, dict) and isinstance(payload.get("data"), dict)


def _json(response: httpx.Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def _message(payload: Any) -> str:
    """GitHub's own words for a refusal, one line, short."""
    if isinstance(payload, dict):
        text = payload.get("message")
        if not isinstance(text, str) and isinstance(payload.get("errors"), list) and payload["errors"]:
            first = payload["errors"][0]
            text = first.get("message") if isinstance(first, dict) else None
        if isinstance(text, str):
            return " ".join(text.split())[:200]
    return ""


def _reason(error: httpx.HTTPError) -> str:
    text = " ".join(str(error).split())[:160]
    return text or type(error).__name__
