"""What the CI environment says of a change: its base and its author (Prow's and GitHub's variables)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple


class CiContext(NamedTuple):
    """What the CI environment says about the change."""

    base: str | None
    author: str | None



def ci_context(environ: dict[str, str]) -> CiContext:
    """Prow's PULL_BASE_SHA and JOB_SPEC, or GitHub Actions' event file."""
    if environ.get("PULL_BASE_SHA"):
        return CiContext(environ["PULL_BASE_SHA"], _prow_author(environ.get("JOB_SPEC", "")))
    pull = _mapping(_github_event(environ.get("GITHUB_EVENT_PATH")), "pull_request")
    base = _mapping(pull, "base").get("sha")
    if not isinstance(base, str) and environ.get("GITHUB_BASE_REF"):
        base = f"origin/{environ['GITHUB_BASE_REF']}"
    author = _mapping(pull, "user").get("login")
    return CiContext(base if isinstance(base, str) else None, author if isinstance(author, str) else None)



def _mapping(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}



def _prow_author(job_spec: str) -> str | None:
    try:
        author = json.loads(job_spec)["refs"]["pulls"][0]["author"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return author if isinstance(author, str) else None



def _github_event(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return event if isinstance(event, dict) else {}
