"""`receipt-lint status` against a fake GitHub on 127.0.0.1 that checks every query against GitHub's schema.

What is tested here is the command as a lead runs it: the token and endpoint it takes,
the requests it makes (batched, never one per pull request), what it does when GitHub
fails (401, a rate limit, 502, a pull request GitHub does not know, a network down),
the snapshot it saves and reads back, and that the token is never written anywhere.
"""

from __future__ import annotations

import json
import math
import os
import stat
import subprocess
from pathlib import Path

import pytest

from receipt_lint.cli import main
from receipt_lint.github import client
from tests.fake_github import TOKEN, FakeGitHub, Scripted, rate_limited, spent
from tests.github_trees import K8S, WEBSITE, kep_files, release_tree

NEAR = ["--now", "2026-03-18T09:00:00Z"]  # 17 h before code freeze
AFTER = ["--now", "2026-03-20T00:00:00Z"]
ENHANCEMENTS = "kubernetes/enhancements"


def status(root: Path, *extra: str) -> list[str]:
    return ["status", "--repo", str(root), "--release", "v1.37", *extra]


def run_json(capsys: pytest.CaptureFixture[str], args: list[str], code: int | None = None) -> dict:
    result = main([*args, "--format", "json"])
    out = capsys.readouterr().out
    if code is not None:
        assert result == code
    return json.loads(out)


def two_keps(root: Path, github: FakeGitHub) -> Path:
    """KEP 1001 accepted (one merged, one open PR; a docs draft), KEP 1002 at-risk (merge-ready)."""
    release_tree(
        root,
        kep_files(1001, "accepted", code=[K8S + "1", K8S + "2"], docs=[WEBSITE + "10"]),
        kep_files(1002, "at-risk", code=[K8S + "3"], docs=[]),
    )
    github.add_pull(K8S + "1", state="MERGED")
    github.add_pull(K8S + "2", labels=("lgtm",))
    github.add_pull(WEBSITE + "10", draft=True)
    github.add_pull(K8S + "3", labels=("lgtm", "approved"))
    for number in (1001, 1002):
        github.add_issue(ENHANCEMENTS, number)
    return root


def test_the_json_has_the_contract_shape(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = two_keps(tmp_path / "repo", github)
    document = run_json(capsys, status(root, *NEAR), code=0)  # forecasts only: nothing overdue
    assert set(document) == {"version", "release", "read_at", "now", "receipts", "summary"}
    assert document["now"] == "2026-03-18T09:00:00Z"
    first, second = document["receipts"]
    assert (first["kep"], first["code"]["verdict"], first["docs"]["verdict"]) == (
        "1001",
        "at-risk",
        "placeholder-open",
    )
    assert first["code"]["deadline"] == "2026-03-19T02:00:00Z"
    assert [pr["state"] for pr in first["code"]["prs"]] == ["merged", "open"]
    assert first["code"]["prs"][1]["labels"] == ["lgtm"]
    assert first["action"]["command"] == "receipt-lint accept 1001 --release v1.37 --at-risk"
    assert first["documents"] == {"ready": True, "gaps": []}
    assert (second["kep"], second["code"]["verdict"], second["docs"]["verdict"]) == (
        "1002",
        "merge-ready",
        "not-needed",
    )
    assert second["action"]["verb"] == "accept"
    assert document["summary"] == {"receipts": 2, "actions": 2, "overdue": 0, "unknown": 0, "requests": 2}


def test_after_code_freeze_an_overdue_move_exits_1(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = two_keps(tmp_path / "repo", github)
    document = run_json(capsys, status(root, *AFTER), code=1)
    assert document["receipts"][0]["action"]["verb"] == "remove"
    assert document["receipts"][0]["action"]["overdue"] is True


def test_a_release_of_100_keps_and_300_pull_requests_takes_a_handful_of_requests(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    keps = []
    for n in range(100):
        urls = [f"{K8S}{n * 3 + i + 1}" for i in range(3)]
        keps.append(kep_files(3000 + n, "accepted", code=urls, docs=[]))
        for url in urls:
            github.add_pull(url, state="MERGED")
        github.add_issue(ENHANCEMENTS, 3000 + n)
    root = release_tree(tmp_path / "repo", *keps)
    document = run_json(capsys, status(root, *AFTER), code=0)
    assert (
        document["summary"]["requests"] == math.ceil(300 / 50) + math.ceil(100 / 50) == len(github.received)
    )
    assert {r["code"]["verdict"] for r in document["receipts"]} == {"complete"}


def test_unlisted_pull_requests_come_from_the_timeline_and_a_search_for_the_kep(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = two_keps(tmp_path / "repo", github)
    github.add_pull(K8S + "7", title="KEP-1001: the second half")  # names the KEP
    github.add_pull(K8S + "8", title="unrelated")  # cross-references the issue
    github.add_pull(K8S + "9", state="CLOSED", title="KEP-1001: abandoned")  # closed: not asked about
    github.add_pull(
        f"https://github.com/{ENHANCEMENTS}/pull/5", title="KEP-1001: update the KEP"
    )  # the KEP's own
    github.add_issue(
        ENHANCEMENTS, 1001, references=(K8S + "8", K8S + "2", f"https://github.com/{ENHANCEMENTS}/pull/5")
    )
    document = run_json(capsys, status(root, *NEAR))
    assert document["receipts"][0]["unlisted"] == [K8S + "7", K8S + "8"]


def test_a_long_timeline_is_read_page_by_page(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = two_keps(tmp_path / "repo", github)
    github.max_page = 2
    refs = tuple(f"{K8S}{100 + n}" for n in range(5))
    for url in refs:
        github.add_pull(url)
    github.add_issue(ENHANCEMENTS, 1002, references=refs)
    document = run_json(capsys, status(root, *NEAR))
    assert document["receipts"][1]["unlisted"] == sorted(refs)
    assert document["summary"]["requests"] == 2 + 2  # two more pages of the timeline


def test_a_pull_request_github_does_not_know_is_unknown_never_merged(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    release_tree(
        tmp_path / "repo",
        kep_files(1001, "accepted", code=[K8S + "1", K8S + "404"], docs=[]),
        kep_files(1002, "accepted", code=["https://github.com/secret-org/private/pull/1"], docs=[]),
    )
    github.add_pull(K8S + "1", state="MERGED")
    github.add_pull("https://github.com/secret-org/private/pull/1", state="MERGED")
    github.private.add("secret-org/private")
    document = run_json(capsys, status(tmp_path / "repo", *AFTER), code=0)
    first, second = document["receipts"]
    assert first["code"]["verdict"] == second["code"]["verdict"] == "unknown"
    assert (
        first["code"]["prs"][1]["error"]
        == "NOT_FOUND: Could not resolve to a PullRequest with the number of 404."
    )
    assert second["code"]["prs"][0]["error"].startswith("NOT_FOUND: Could not resolve to a Repository")
    assert first["action"] is None and document["summary"]["unknown"] == 2
    assert document["receipts"][0]["issue"]["error"].startswith("NOT_FOUND")  # no issue 1001 in the fake


@pytest.mark.parametrize(
    ("env", "said"),
    [
        (
            {"GITHUB_TOKEN": "wrong"},
            "GitHub refused the token (401: Bad credentials): it is missing, expired or revoked",
        ),
        (
            {"GITHUB_TOKEN": "", "GH_TOKEN": ""},
            "no GitHub token: set GITHUB_TOKEN (or GH_TOKEN), or log in with `gh auth login`",
        ),
        ({"GITHUB_GRAPHQL_URL": "http://example.com/graphql"}, "GITHUB_GRAPHQL_URL must be an https URL"),
        ({"GITHUB_GRAPHQL_URL": "http://127.0.0.1:9/graphql"}, "could not reach 127.0.0.1"),  # a network down
    ],
)
def test_github_that_cannot_be_read_is_one_line_and_exit_2(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str], said: str,
) -> None:  # fmt: skip
    root = two_keps(tmp_path / "repo", github)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(status(root, *NEAR)) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1 and "Traceback" not in err
    assert TOKEN not in err


def test_the_token_from_gh_auth_token(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = two_keps(tmp_path / "repo", github)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(f"#!/bin/sh\n[ \"$1 $2\" = 'auth token' ] && echo {TOKEN}\n")
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert main(status(root, *NEAR)) == 0
    assert github.headers_seen[0]["authorization"] == f"bearer {TOKEN}"


def test_a_secondary_rate_limit_is_waited_out(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = two_keps(tmp_path / "repo", github)
    github.script = [rate_limited(30)]
    assert run_json(capsys, status(root, *NEAR), code=0)["summary"]["requests"] == 3
    assert github.waits == [30.0]  # type: ignore[attr-defined]


def test_a_rate_limit_longer_than_max_wait_says_when_to_retry(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = two_keps(tmp_path / "repo", github)
    github.script = [spent(3600, client.clock)]
    assert main(status(root, *NEAR, "--max-wait", "60")) == 2
    err = capsys.readouterr().err
    assert "GitHub's rate limit is spent until" in err and "run it again then, or raise --max-wait" in err
    assert github.waits == []  # type: ignore[attr-defined]


def test_502_is_retried_with_backoff_and_then_given_up(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = two_keps(tmp_path / "repo", github)
    github.script = [Scripted(502, {"message": "Server Error"})]
    assert main(status(root, *NEAR)) == 0
    assert github.waits == [client.BACKOFF]  # type: ignore[attr-defined]
    github.script = [Scripted(502, {}), Scripted(503, {}), Scripted(504, {})]
    assert main(status(root, *NEAR)) == 2
    assert "GitHub answered HTTP 504 (3 tries): try again later" in capsys.readouterr().err


def test_the_snapshot_replays_the_report_offline_and_holds_no_token(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = two_keps(tmp_path / "repo", github)
    saved = tmp_path / "snapshot.json"
    live = run_json(capsys, status(root, *NEAR, "--save", str(saved)))
    text = saved.read_text()
    assert TOKEN not in text and json.loads(text)["version"] == 1
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", "http://127.0.0.1:9/graphql")  # GitHub is not asked
    replayed = run_json(capsys, status(root, *NEAR, "--from", str(saved)))
    assert replayed == live


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("{", "not JSON"),
        ("[]", "not a receipt-lint snapshot"),
        (
            '{"kind": "receipt-lint github snapshot", "version": 9}',
            "snapshot version 9, this receipt-lint reads version 1",
        ),
        (
            '{"kind": "receipt-lint github snapshot", "version": 1, "read_at": "x", "endpoint": "e",'
            ' "issues_repo": "a/b"}',
            "read_at",
        ),
        (
            '{"kind": "receipt-lint github snapshot", "version": 1, "read_at": "2026-03-18T09:00:00Z",'
            ' "endpoint": "e", "issues_repo": "a/b", "pulls": {"u": {"url": "u", "state": 5}}}',
            "pulls.u.state",
        ),
    ],
)
def test_a_malformed_snapshot_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, said: str
) -> None:
    root = release_tree(tmp_path / "repo", kep_files(1001, "accepted", code=[K8S + "1"]))
    snapshot = tmp_path / "bad.json"
    snapshot.write_text(content)
    assert main(status(root, "--from", str(snapshot))) == 2
    err = capsys.readouterr().err
    assert said in err and str(snapshot) in err and err.count("\n") == 1


def test_bad_arguments_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = release_tree(tmp_path / "repo", kep_files(1001, "accepted", code=[K8S + "1"]))
    for extra, said in (
        (["--warn-days", "-1"], "--warn-days -1"),
        (["--issues-repo", "kubernetes"], '--issues-repo "kubernetes": give OWNER/REPO'),
        (["--max-wait", "-5"], "--max-wait -5"),
        (["--suggest", "--format", "json"], "--suggest prints commands"),
        (["--from", str(tmp_path / "none.json")], "no such file"),
    ):
        assert main(status(root, *extra)) == 2, extra
        assert said in capsys.readouterr().err
    assert main(["status", "--repo", str(root), "--release", "v1.99"]) == 2
    assert "there is no releases/v1.99" in capsys.readouterr().err


def test_suggest_prints_the_moves_as_a_script(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = two_keps(tmp_path / "repo", github)
    assert main(status(root, *AFTER, "--suggest")) == 1
    script = capsys.readouterr().out.splitlines()
    assert script[1:] == [
        "# KEP 1001 (overdue): code freeze passed 22 h ago and 1 of 2 pull requests is not merge-ready",
        "receipt-lint remove 1001 --release v1.37",
        "# KEP 1002 (overdue): its code is merge ready and its documents are ready",
        "receipt-lint accept 1002 --release v1.37",
    ]


def test_apply_makes_the_moves_in_the_working_tree_and_check_accepts_them(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = two_keps(tmp_path / "repo", github)
    (root / "releases/v1.37/OWNERS").write_text("approvers:\n  - someone\n")  # an uncommitted edit
    assert main(status(root, *AFTER, "--apply")) == 2  # could not run: nothing changed
    assert "releases/v1.37 has uncommitted changes: commit or stash them first" in capsys.readouterr().err
    assert (root / "releases/v1.37/accepted/1001.yaml").is_file()
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "--", "releases"], check=True)
    assert main(status(root, *AFTER, "--apply")) == 0
    out = capsys.readouterr().out
    assert "2 moves made in the working tree" in out
    assert (root / "releases/v1.37/removed/1001.yaml").is_file()
    assert (root / "releases/v1.37/accepted/1002.yaml").is_file()
    assert main(["check", "--repo", str(root), "--base", "HEAD", *AFTER]) == 0
    assert main(status(root, *AFTER, "--apply")) == 0  # the moves are made: none is due any more
    assert "==> no move is needed" in capsys.readouterr().out


def test_text_is_grouped_by_what_to_do(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    root = two_keps(tmp_path / "repo", github)
    assert main(status(root, *AFTER)) == 1
    out = capsys.readouterr().out
    assert out.index("Remove (1):") < out.index("Accept (1):")
    assert "    $ receipt-lint remove 1001 --release v1.37" in out
    assert "code-freeze 2026-03-19 02:00 UTC (22 h ago)" in out
    assert "docs-freeze 2026-04-01 (in 13 days)" in out


# From an adversarial review of issue 21: the client's edges.


def test_the_token_never_leaks_from_an_echoing_server(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = two_keps(tmp_path / "repo", github)
    github.script = [Scripted(401, {"message": f"Bad credentials: bearer {TOKEN}"})]
    assert main(status(root, *NEAR)) == 2
    assert TOKEN not in capsys.readouterr().err
    echo = {
        "data": {"p0": None},
        "errors": [{"type": "FORBIDDEN", "path": ["p0"], "message": f"no: {TOKEN}"}],
    }
    github.script = [Scripted(200, echo)]
    saved = tmp_path / "snapshot.json"
    main(status(root, *NEAR, "--save", str(saved), "--format", "json"))
    assert TOKEN not in capsys.readouterr().out + saved.read_text()
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_abc\nghp_def")
    assert main(status(root, *NEAR)) == 2
    err = capsys.readouterr().err
    assert "holds a space, a line break or a character a token cannot have" in err and "ghp_" not in err


def test_plain_http_to_this_machine_ignores_a_proxy(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = two_keps(tmp_path / "repo", github)
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # a proxy would see the token in the clear
    monkeypatch.delenv("NO_PROXY", raising=False)
    assert main(status(root, *NEAR)) == 0
    assert len(github.received) == 2


@pytest.mark.parametrize(
    ("scripted", "said"),
    [
        ([rate_limited(0)] * 100, "GitHub's rate limit is spent"),  # "retry after 0" for ever: bounded
        ([Scripted(403, {}, {"retry-after": "1e12"})], "more than --max-wait 60"),
        ([Scripted(200, {"data": None, "errors": 5})], "GitHub could not answer the query: no data"),
        ([Scripted(301, {}, {"location": "https://elsewhere.example/graphql"})], "redirects (HTTP 301)"),
    ],
)
def test_odd_answers_are_one_line_and_exit_2(
    tmp_path: Path,
    github: FakeGitHub,
    capsys: pytest.CaptureFixture[str],
    scripted: list[Scripted],
    said: str,
) -> None:
    root = two_keps(tmp_path / "repo", github)
    github.script = list(scripted)
    assert main(status(root, *NEAR)) == 2
    err = capsys.readouterr().err
    assert said in err and "internal error" not in err and err.count("\n") == 1
    assert len(github.received) <= 61


def test_a_url_with_a_password_is_refused_with_the_reason(
    tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = two_keps(tmp_path / "repo", github)
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", github.url.replace("http://", "http://me:secret@"))
    assert main(status(root, *NEAR)) == 2
    assert "holds a user name or password: give the token in GITHUB_TOKEN" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"version": True}, "snapshot version True"),
        ({"requests": -5}, "requests: Input should be greater than or equal to 0"),
        ({"pulls": {"u": {"url": "v", "state": "open"}}}, "pulls: 'u' holds the pull request 'v'"),
        ({"pulls": {"u": {"url": "u", "state": "MERGED"}}}, "pulls.u.state"),
    ],
)
def test_a_snapshot_edited_by_hand_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, object], said: str
) -> None:
    root = release_tree(tmp_path / "repo", kep_files(1001, "accepted", code=[K8S + "1"]))
    snapshot = tmp_path / "edited.json"
    base = {"kind": "receipt-lint github snapshot", "version": 1, "read_at": "2026-03-18T09:00:00Z",
            "endpoint": "e", "issues_repo": "a/b"}  # fmt: skip
    snapshot.write_text(json.dumps(base | change))
    assert main(status(root, "--from", str(snapshot))) == 2
    assert said in capsys.readouterr().err
    snapshot.write_text("[" * 200_000)
    assert main(status(root, "--from", str(snapshot))) == 2
    assert "internal error" not in capsys.readouterr().err
