"""history, slips and manifest --at on a real multi-commit repository with merges (issue 13)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from receipt_lint.cli import main
from tests.conftest import EXCEPTION_BLOCK, KEP, PRR, RECEIPT, write_tree

V136 = (
    "prr-freeze: 2025-09-01\nenhancements-freeze: 2025-09-10\ncode-freeze: 2025-10-20\nrelease: 2025-12-10\n"
)
V137 = (
    "prr-freeze: 2026-02-05\nenhancements-freeze: 2026-02-12\ncode-freeze: 2026-03-19\nrelease: 2026-04-22\n"
)


def git(root: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ}
    if date is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{date}T12:00:00+00:00"
    command = ["git", "-c", "user.name=Ann", "-c", "user.email=ann@example.invalid", "-C", str(root), *args]
    return subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout.strip()


def kep(number: int, stage: str = "alpha", beta: str | None = None) -> dict[str, str | bytes]:
    text = KEP.replace("2140", str(number)).replace("stage: alpha", f"stage: {stage}")
    if beta:
        text += f'  beta: "{beta}"\n'
    return {
        f"keps/sig-architecture/{number}-k/kep.yaml": text,
        f"keps/prod-readiness/sig-architecture/{number}.yaml": PRR.replace("2140", str(number)),
    }


def receipt(number: int, state: str, release: str = "v1.37", extra: str = "") -> dict[str, str | bytes]:
    text = (
        RECEIPT.replace("sig-architecture/2140-receipts", f"sig-architecture/{number}-k")
        .replace("2140", str(number))
        .replace("tracking-status: accepted", f"tracking-status: {state}")
    )
    return {f"releases/{release}/{state}/{number}.yaml": text + extra}


def change(
    root: Path, date: str, message: str, files: dict[str, str | bytes], delete: tuple[str, ...] = ()
) -> None:
    """A direct commit on the current branch."""
    for path in delete:
        git(root, "rm", "-q", "--", path)
    write_tree(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-qm", message, date=date)


def pull_request(
    root: Path, number: int, date: str, files: dict[str, str | bytes], delete: tuple[str, ...] = ()
) -> None:
    """A pull request branch merged into main with a merge commit, as GitHub's merge button does."""
    git(root, "checkout", "-qb", f"pr-{number}")
    change(root, date, f"pr {number}", files, delete)
    git(root, "checkout", "-q", "main")
    git(
        root,
        "merge",
        "--no-ff",
        "-q",
        "-m",
        f"Merge pull request #{number} from ann/pr-{number}",
        f"pr-{number}",
        date=date,
    )


def move(
    number: int, release: str, old: str, new: str, extra: str = ""
) -> tuple[dict[str, str | bytes], tuple[str, ...]]:
    return receipt(number, new, release, extra), (f"releases/{release}/{old}/{number}.yaml",)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two release cycles: v1.36 (shipped) and v1.37, with every kind of step the issue names."""
    root = tmp_path_factory.mktemp("history") / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    files: dict[str, str | bytes] = {
        "OWNERS_ALIASES": "aliases:\n  prod-readiness-approvers:\n    - johnbelamaric\n",
        "releases/v1.36/OWNERS": "approvers:\n  - lead\n",
        "releases/v1.36/schedule.yaml": V136,
        **kep(2140),
        **kep(7),
        **kep(8),
        **kep(9),
        **kep(30, "beta", "v1.33"),
    }
    change(root, "2025-08-01", "root: v1.36", files)  # the root commit
    pull_request(
        root, 101, "2025-08-15", {**receipt(7, "proposed", "v1.36"), **receipt(30, "proposed", "v1.36")}
    )
    files, gone = move(7, "v1.36", "proposed", "removed")
    pull_request(root, 102, "2025-09-20", files, gone)  # KEP 7 slips, after enhancements freeze
    files, gone = move(30, "v1.36", "proposed", "accepted")
    pull_request(root, 103, "2025-09-05", files, gone)
    change(root, "2025-11-01", "docs only", {"keps/README.md": "KEPs\n"})  # touches no receipt
    change(
        root,
        "2026-01-05",
        "create release v1.37",
        {"releases/v1.37/OWNERS": "approvers:\n  - lead\n", "releases/v1.37/schedule.yaml": V137},
    )
    pull_request(
        root,
        110,
        "2026-01-10",
        {**receipt(7, "proposed"), **receipt(2140, "proposed"), **receipt(9, "proposed")},
    )
    files, gone = move(7, "v1.37", "proposed", "removed")
    pull_request(root, 111, "2026-02-08", files, gone)  # KEP 7 slips again, before enhancements freeze
    files, gone = move(2140, "v1.37", "proposed", "accepted")
    change(root, "2026-02-10", "Accept KEP 2140 (#112)", files, gone)  # a squash merge
    pull_request(root, 113, "2026-02-20", receipt(8, "proposed"))  # a late opt-in, merged anyway
    files, gone = move(9, "v1.37", "proposed", "exception", EXCEPTION_BLOCK)
    pull_request(root, 114, "2026-02-21", files, gone)  # illegal: proposed -> exception, merged anyway
    files, gone = move(2140, "v1.37", "accepted", "at-risk")
    pull_request(root, 115, "2026-03-01", files, gone)
    files, gone = move(2140, "v1.37", "at-risk", "exception", EXCEPTION_BLOCK)
    pull_request(root, 116, "2026-03-15", files, gone)  # an exception request
    files, gone = move(2140, "v1.37", "exception", "at-risk", EXCEPTION_BLOCK)
    pull_request(root, 117, "2026-03-20", files, gone)  # granted
    return root


def history(root: Path, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    out = root.parent / "history.json"
    code = main(["history", "--repo", str(root), "--format=json", f"--output={out}", *args])
    return code, json.loads(out.read_text())


def moves(document: dict) -> list[tuple[str, str, str | None, str | None]]:  # type: ignore[type-arg]
    return [(t["release"], t["kep"], t["from"], t["to"]) for t in document["transitions"]]


def test_history_replays_every_first_parent_step(cycle: Path) -> None:
    code, document = history(cycle)
    assert moves(document) == [
        ("v1.36", "7", None, "proposed"),  # one commit's moves in KEP order
        ("v1.36", "30", None, "proposed"),
        ("v1.36", "7", "proposed", "removed"),
        ("v1.36", "30", "proposed", "accepted"),
        ("v1.37", "7", None, "proposed"),
        ("v1.37", "9", None, "proposed"),
        ("v1.37", "2140", None, "proposed"),
        ("v1.37", "7", "proposed", "removed"),
        ("v1.37", "2140", "proposed", "accepted"),
        ("v1.37", "8", None, "proposed"),
        ("v1.37", "9", "proposed", "exception"),
        ("v1.37", "2140", "accepted", "at-risk"),
        ("v1.37", "2140", "at-risk", "exception"),
        ("v1.37", "2140", "exception", "at-risk"),
    ]
    assert document["summary"] == {"commits": 13, "transitions": 14, "illegal": 1, "late": 1}
    assert code == 1  # a breach merged by override: a periodic job alarms


def test_each_transition_says_who_when_and_which_pull_request(cycle: Path) -> None:
    document = history(cycle)[1]
    by_kep = {(t["kep"], t["to"]): t for t in document["transitions"]}
    accepted = by_kep[("2140", "accepted")]
    assert accepted["pull"] == 112 and accepted["date"] == "2026-02-10T12:00:00Z"
    assert accepted["author"] == "Ann <ann@example.invalid>" and accepted["legal"] and accepted["late"] == []
    assert accepted["commit"] == git(cycle, "log", "--format=%H", "-1", "--grep=Accept KEP 2140")
    late = by_kep[("8", "proposed")]
    assert (late["pull"], late["legal"], late["late"]) == (113, True, ["opt-in-after-freeze"])
    illegal = by_kep[("9", "exception")]
    assert (illegal["pull"], illegal["legal"], illegal["late"]) == (114, False, [])
    assert "illegal-transition" in illegal["rules"]
    assert by_kep[("2140", "exception")]["exception"] == {"freeze": "code", "additional-days": 5}
    [marked] = [t for t in document["transitions"] if (t["from"], t["to"]) == ("accepted", "at-risk")]
    assert marked["exception"] is None  # accepted -> at-risk is no decision
    granted = [t for t in document["transitions"] if t["from"] == "exception"]
    assert [t["exception"] for t in granted] == [{"decision": "granted"}]
    assert document["head"] == git(cycle, "rev-parse", "HEAD")


def test_history_filters_by_release_and_since(cycle: Path) -> None:
    code, document = history(cycle, "--release", "v1.36")
    assert {t["release"] for t in document["transitions"]} == {"v1.36"} and code == 0
    assert document["summary"]["commits"] == 4  # the root commit made its folder; three pull requests
    squash = git(cycle, "log", "--format=%H", "-1", "--grep=Accept KEP 2140")
    code, document = history(cycle, "--since", squash)
    assert moves(document)[0] == ("v1.37", "8", None, "proposed")
    code, document = history(cycle, "--since", "2026-03-01")
    assert [t["to"] for t in document["transitions"]] == ["at-risk", "exception", "at-risk"] and code == 0


def test_the_summary_counts_the_same_commits_however_the_range_is_given(cycle: Path) -> None:
    """Every commit that touched releases/ counts, moves or not (creating v1.37 moved none)."""
    docs_only = git(cycle, "log", "--format=%H", "-1", "--grep=docs only")
    by_commit = history(cycle, "--since", docs_only)[1]["summary"]
    by_date = history(cycle, "--since", "2026-01-05")[1]["summary"]
    assert by_commit == by_date and by_date["commits"] == 9 and by_date["transitions"] == 10
    assert history(cycle, "--since", "2026-01-05", "--release", "v1.37")[1]["summary"]["commits"] == 9


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--release", "v1.99"], "no commit of the history of"),
        (["--since", ""], "is neither a commit nor a date"),
        (["--since", "9999-12-31"], "--since: 9999-12-31 is past the year 9998"),
    ],
)
def test_history_options_that_name_nothing_exit_2(
    cycle: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    assert main(["history", "--repo", str(cycle), *argv]) == 2
    error = capsys.readouterr().err
    assert says in error and error.count("\n") == 1


def test_history_of_a_repository_with_no_commits_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(tmp_path, "init", "-q")
    assert main(["history", "--repo", str(tmp_path)]) == 2
    assert "the repository has no commits yet" in capsys.readouterr().err


def test_history_text_and_markdown(cycle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--repo", str(cycle), "--release", "v1.37"]) == 1
    text = capsys.readouterr().out
    assert "  v1.37 KEP 8: (new) -> proposed  LATE [opt-in-after-freeze]" in text
    assert "  v1.37 KEP 9: proposed -> exception  ILLEGAL [illegal-transition]" in text
    assert "exception requested: code freeze, 5 more days" in text and "exception granted" in text
    assert text.splitlines()[-1] == "9 commits, 10 transitions, 1 illegal, 1 late"
    assert main(["history", "--repo", str(cycle), "--format=markdown", "--since", "2026-03-01"]) == 0
    table = capsys.readouterr().out
    assert "| 2026-03-20 12:00 |" in table and "| #117 |" in table


def test_history_mistakes_exit_2(cycle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--since", "yesterday-ish"], ["--head", "no-such-rev"], ["--release", "1.37"]):
        assert main(["history", "--repo", str(cycle), *args]) == 2
        assert capsys.readouterr().err.count("\n") == 1


def test_slips_per_kep_and_sig(cycle: Path, tmp_path: Path) -> None:
    out = tmp_path / "slips.json"
    assert main(["slips", "--repo", str(cycle), "--now=2026-04-01", "--format=json", f"--output={out}"]) == 0
    report = json.loads(out.read_text())
    keps = {k["kep"]: k for k in report["keps"]}
    assert keps["7"]["releases"] == [
        # removed after the freeze it missed: the phase is the last freeze passed (design doc section 9)
        {"release": "v1.36", "state": "removed", "stage": "alpha", "slipped": True, "phase": "enhancements"},
        {"release": "v1.37", "state": "removed", "stage": "alpha", "slipped": True, "phase": "prr"},
    ]
    assert keps["7"]["flags"] == ["multiple-slips"]
    assert keps["30"]["flags"] == ["permabeta"]  # beta since v1.33, newest release v1.37
    assert keps["2140"]["releases"] == [
        {"release": "v1.37", "state": "at-risk", "stage": "alpha", "slipped": False, "phase": None}
    ]
    assert report["by_sig"] == {
        "sig-architecture": {"keps": 5, "slips": 2, "multiple-slips": 1, "permabeta": 1}
    }
    # After v1.37 ships, the KEPs it did not accept slipped too: 2140 (at-risk), 8, 9.
    assert main(["slips", "--repo", str(cycle), "--now=2026-05-01", "--format=json", f"--output={out}"]) == 0
    keps = {k["kep"]: k for k in json.loads(out.read_text())["keps"]}
    shipped_at_risk = keps["2140"]["releases"][0]
    assert shipped_at_risk["slipped"] and shipped_at_risk["phase"] == "code"  # at risk when it shipped


def test_slips_formats_and_sig_filter(cycle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slips", "--repo", str(cycle), "--now=2026-04-01"]) == 0
    text = capsys.readouterr().out
    assert (
        "v1.36 removed (alpha), slipped at enhancements freeze; v1.37 removed (alpha), slipped at prr freeze"
        in text
    )
    assert main(["slips", "--repo", str(cycle), "--now=2026-04-01", "--format=html"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "multiple-slips" in page


def manifest(root: Path, *args: str) -> dict:  # type: ignore[type-arg]
    out = root.parent / "manifest.json"
    assert (
        main(
            ["manifest", "--repo", str(root), "--release", "v1.37", "--format=json", f"--output={out}", *args]
        )
        == 0
    )
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def test_manifest_at_a_date_or_commit(cycle: Path) -> None:
    then = manifest(cycle, "--at", "2026-02-09")  # after KEP 7 left, before 2140 was accepted
    assert {e["kep"]: e["state"] for e in then["receipts"]} == {
        "2140": "proposed",
        "9": "proposed",
        "7": "removed",
    }
    squash = git(cycle, "log", "--format=%H", "-1", "--grep=Accept KEP 2140")
    at_commit = manifest(cycle, "--at", squash)
    assert {e["kep"]: e["state"] for e in at_commit["receipts"]}["2140"] == "accepted"
    now = manifest(cycle)
    assert {e["kep"]: e["state"] for e in now["receipts"]}["2140"] == "at-risk"


def test_manifest_html_charts_the_cycle_with_the_freezes(cycle: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.html"
    args = ["manifest", "--repo", str(cycle), "--release", "v1.37", "--format=html", f"--output={out}"]
    assert main([*args, "--now=2026-05-01"]) == 0
    page = out.read_text()
    assert "Receipts by state over the cycle" in page and page.count("<polyline") == 5
    assert "enhancements freeze" in page and "code freeze" in page
    assert "<script" not in page and " src=" not in page and "<link" not in page
    assert ">as of" not in page  # v1.37 shipped on 2026-04-22: its lines run to the release
    assert main([*args, "--at=2026-03-02"]) == 0  # mid-cycle (the last commit then: 03-01): none past it
    page = out.read_text()
    assert ">as of 2026-03-01<" in page
    ends = {points.rsplit(" ", 1)[-1].split(",")[0] for points in re.findall(r"points='([^']*)'", page)}
    marker = re.search(r"<line x1='([0-9.]+)' y1='20' [^>]*stroke='#000'/><text[^>]*>as of", page)
    assert marker is not None and ends == {marker[1]}  # every state's line stops at the snapshot


def test_odd_histories_do_not_crash(tmp_path: Path) -> None:
    """A renamed release folder, a symlinked receipt and a huge blob are lines of the report."""
    root = tmp_path / "odd"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    change(
        root,
        "2026-01-01",
        "root",
        {"releases/v1.38/OWNERS": "approvers: [lead]\n", **kep(2140), **receipt(2140, "proposed", "v1.38")},
    )
    git(root, "mv", "releases/v1.38", "releases/v1.39")
    git(root, "commit", "-qm", "rename a release folder", date="2026-01-02")
    (root / "releases/v1.39/proposed/5.yaml").symlink_to("2140.yaml")
    change(
        root,
        "2026-01-03",
        "a symlinked receipt",
        {"releases/v1.39/proposed/6.yaml": b"a: " + b"x" * (2 << 20)},
    )
    code, document = history(root)
    assert moves(document) == [
        ("v1.38", "2140", None, "proposed"),
        ("v1.39", "2140", "proposed", "proposed"),
        ("v1.39", "5", None, "proposed"),
        ("v1.39", "6", None, "proposed"),
    ]
    assert document["transitions"][1]["rules"] == ["release-changed"] and code == 1


# The cache of judged commits (README "Speed"): each test has its own folder (conftest).


def history_json(root: Path, *args: str) -> str:
    out = root.parent / "history-cached.json"
    main(["history", "--repo", str(root), "--format=json", f"--output={out}", *args])
    return out.read_text()


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("history-*.json"))


def test_a_second_run_says_what_a_replay_says_without_importing_the_rules(
    cycle: Path, history_cache: Path
) -> None:
    replayed = history_json(cycle, "--no-cache")
    assert cache_files(history_cache) == []  # --no-cache writes nothing
    assert history_json(cycle) == replayed  # cold: replays, then fills the cache
    [cached] = cache_files(history_cache)
    assert len(json.loads(cached.read_text())["commits"]) == 13
    probe = (
        "import sys\nfrom receipt_lint.cli import main\n"
        f"code = main(['history', '--repo', {str(cycle)!r}, '--format=json', '--output=/dev/null'])\n"
        "print(code, 'receipt_lint.model.models' in sys.modules, 'pydantic' in sys.modules)\n"
    )
    warm = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert warm.stdout.split() == ["1", "False", "False"]
    assert history_json(cycle) == replayed


def test_commits_new_since_the_cached_head_are_replayed(cycle: Path, history_cache: Path) -> None:
    older = git(cycle, "rev-parse", "HEAD~2")
    history_json(cycle, "--head", older)
    assert history_json(cycle) == history_json(cycle, "--no-cache")
    heads = json.loads(cache_files(history_cache)[0].read_text())["heads"]
    assert heads == [older, git(cycle, "rev-parse", "HEAD")]
    assert history_json(cycle, "--release", "v1.36") == history_json(
        cycle, "--release", "v1.36", "--no-cache"
    )
    assert history_json(cycle, "--since", "2026-03-01") == history_json(
        cycle, "--since", "2026-03-01", "--no-cache"
    )


@pytest.mark.parametrize(
    "garbled",
    [
        b"{not json",
        b"\xff\xfe",
        b'{"format": 99, "commits": {}}',
        b'{"format": 1, "commits": []}',
        b'{"format": 1, "commits": {"x": 1}, "heads": 7}',
        # a row of the wrong shape for every commit: none of it is taken
        b'{"format": 1, "heads": [], "commits": {"SHA": [["v1.37", 2140, null, "accepted"]]}}',
        b'{"format": 1, "heads": [], "commits": {"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
    ],
)
def test_a_garbled_cache_is_replayed_over(cycle: Path, history_cache: Path, garbled: bytes) -> None:
    replayed = history_json(cycle, "--no-cache")
    history_json(cycle)
    [cached] = cache_files(history_cache)
    first = json.loads(cached.read_text())["heads"][0]
    root_commit = git(cycle, "rev-list", "--max-parents=0", "HEAD")
    cached.write_bytes(garbled.replace(b"SHA", f"{root_commit}^".encode()))
    assert history_json(cycle) == replayed
    assert json.loads(cached.read_text())["heads"] == [first]  # written again, whole


def test_a_cache_that_cannot_be_written_costs_nothing(cycle: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be\n")
    env = {**os.environ, "RECEIPT_LINT_CACHE_DIR": str(blocked / "cache")}
    command = [sys.executable, "-m", "receipt_lint", "history", "--repo", str(cycle), "--format=json"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert (done.returncode, done.stderr) == (1, "")
    assert json.loads(done.stdout)["summary"]["transitions"] == 14


def test_slips_and_the_manifest_chart_read_the_same_cache(
    cycle: Path, history_cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["slips", "--repo", str(cycle), "--format=json", "--now", "2026-06-01", "--no-cache"]) == 0
    replayed = capsys.readouterr().out
    assert cache_files(history_cache) == []
    assert main(["slips", "--repo", str(cycle), "--format=json", "--now", "2026-06-01"]) == 0
    assert capsys.readouterr().out == replayed and len(cache_files(history_cache)) == 1
    chart = ["manifest", "--repo", str(cycle), "--release", "v1.37", "--format=html", "--now", "2026-06-01"]
    assert main(chart) == 0
    assert main([*chart, "--no-cache"]) == 0
    cached_page, replayed_page = capsys.readouterr().out.split("</html>")[:2]
    assert cached_page.strip() == replayed_page.strip()


def test_a_shallow_clone_and_a_full_one_keep_their_own_steps(cycle: Path, tmp_path: Path) -> None:
    """A shallow clone tells history only after a commit it holds (--since); the cache keeps both apart."""
    full = history_json(cycle)
    shallow = tmp_path / "shallow"
    clone = ["git", "clone", "-q", "--depth", "3", f"file://{cycle}", str(shallow)]
    subprocess.run(clone, check=True, capture_output=True)
    oldest = git(shallow, "rev-list", "HEAD").split()[-1]  # its parent is not in the clone
    cut = history_json(shallow, "--since", oldest)
    assert cut == history_json(shallow, "--since", oldest, "--no-cache")
    assert json.loads(cut)["summary"]["commits"] == 2
    assert history_json(cycle) == full == history_json(cycle, "--no-cache")


def test_a_clone_missing_a_blob_reports_it_and_caches_nothing(
    cycle: Path, tmp_path: Path, history_cache: Path
) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(cycle, damaged)
    blob = git(damaged, "rev-parse", "HEAD~1:releases/v1.37/exception/2140.yaml")
    (damaged / ".git/objects" / blob[:2] / blob[2:]).unlink()
    code, document = history(damaged)
    unreadable = [t for t in document["transitions"] if t["path"].endswith("exception/2140.yaml")]
    assert [t["exception"] for t in unreadable] == [{"freeze": None, "additional-days": None}]
    assert code == 1 and cache_files(history_cache) == []
    assert history_json(cycle) == history_json(cycle, "--no-cache")


def test_the_cache_folder_is_never_relative(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A relative folder would land in the checkout being read: ignored, as XDG says of its own."""
    from receipt_lint.reports.history_cache import cache_folder

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("RECEIPT_LINT_CACHE_DIR", "relative")
    assert cache_folder() == tmp_path / "home" / ".cache" / "receipt-lint"
    monkeypatch.setenv("RECEIPT_LINT_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_folder() == tmp_path / "mine"  # the folder itself
    monkeypatch.delenv("RECEIPT_LINT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "not/absolute")
    assert cache_folder() == tmp_path / "home" / ".cache" / "receipt-lint"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_folder() == tmp_path / "xdg" / "receipt-lint"


def text_reports(root: Path, capsys: pytest.CaptureFixture[str], *cache: str) -> list[str]:
    """history (text and json), slips and the manifest page: everything that reads cached rows."""
    said = []
    for argv in (
        ["history", "--format=text"],
        ["history", "--format=json"],
        ["slips", "--now", "2026-06-01"],
        ["manifest", "--release", "v1.37", "--format=html", "--now", "2026-06-01"],
    ):
        main([argv[0], "--repo", str(root), *argv[1:], *cache])
        said.append(capsys.readouterr().out)
    return said


# Rows that parse as JSON and have the right length but say what no replay says.
EDITS = {
    "an empty exception": lambda row: [*row[:9], {}],
    "a request without days": lambda row: [*row[:9], {"freeze": "code"}],
    "days that are true": lambda row: [*row[:9], {"freeze": "code", "additional-days": True}],
    "a state nobody has": lambda row: [*row[:3], "bogus", *row[4:]],
    "a KEP that is no number": lambda row: [*row[:1], "abc", *row[2:]],
    "a release that is no release": lambda row: ["1.37", *row[1:]],
    "rules that are not text": lambda row: [*row[:8], [1], *row[9:]],
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_rows_that_no_replay_could_write_are_replayed_over(
    cycle: Path, history_cache: Path, capsys: pytest.CaptureFixture[str], edit: str
) -> None:
    replayed = text_reports(cycle, capsys, "--no-cache")
    text_reports(cycle, capsys)
    [cached] = cache_files(history_cache)
    document = json.loads(cached.read_text())
    for rows in document["commits"].values():
        rows[:] = [EDITS[edit](row) for row in rows]
    cached.write_text(json.dumps(document))
    assert text_reports(cycle, capsys) == replayed


def test_git_settings_and_replacements_do_not_change_what_a_commit_id_means(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    change(root, "2026-01-05", "opt in", {**kep(2140), **receipt(2140, "proposed")})
    files, gone = move(2140, "v1.37", "proposed", "accepted")
    change(root, "2026-01-06", "accept", files, gone)
    truth = history_json(root, "--no-cache")
    assert '"from": "proposed", "to": "accepted"' in truth
    git(root, "config", "log.showRoot", "false")  # would hide the root commit's receipts from git log
    assert history_json(root) == truth
    # Another commit with the same parent moves the receipt illegally; `git replace` lends its
    # content to the original id. receipt-lint reads the objects the id names.
    original = git(root, "rev-parse", "HEAD")
    git(root, "reset", "-q", "--hard", "HEAD~1")
    files, gone = move(2140, "v1.37", "proposed", "exception")
    change(root, "2026-01-06", "ask for an exception", files, gone)
    git(root, "replace", original, git(root, "rev-parse", "HEAD"))
    git(root, "reset", "-q", "--hard", original)
    assert history_json(root) == history_json(root, "--no-cache") == truth


def test_the_cache_folder_keeps_files_that_are_not_ours(cycle: Path, history_cache: Path) -> None:
    theirs = [history_cache / f"history-2024-0{month}.json" for month in range(1, 6)]
    for path in theirs:
        path.write_text("{}")
        os.utime(path, (0, 0))
    history_json(cycle)
    assert all(path.exists() for path in theirs) and len(cache_files(history_cache)) == 6


def test_a_cache_file_that_is_a_fifo_does_not_block(cycle: Path, history_cache: Path) -> None:
    replayed = history_json(cycle, "--no-cache")
    history_json(cycle)
    [cached] = cache_files(history_cache)
    cached.unlink()
    os.mkfifo(cached)
    command = [sys.executable, "-m", "receipt_lint", "history", "--repo", str(cycle), "--format=json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.stdout == replayed and done.returncode == 1


def test_a_receipt_deleted_or_moved_away_keeps_its_slip(cycle: Path, tmp_path: Path) -> None:
    """The last state history saw stands for a receipt the head lacks; stage is unknown then."""
    root = tmp_path / "repo"
    shutil.copytree(cycle, root)
    change(root, "2026-03-25", "tidy up", {}, delete=("releases/v1.36/removed/7.yaml",))
    # 2140 leaves v1.37 for v1.38: it slipped in v1.37 when it moved.
    files, gone = move(2140, "v1.38", "at-risk", "proposed")
    change(root, "2026-03-26", "defer 2140", files, ("releases/v1.37/at-risk/2140.yaml",))
    out = tmp_path / "slips.json"
    assert main(["slips", "--repo", str(root), "--now=2026-05-01", "--format=json", f"--output={out}"]) == 0
    keps = {k["kep"]: k for k in json.loads(out.read_text())["keps"]}
    assert keps["7"]["releases"][0] == {
        "release": "v1.36",
        "state": "removed",
        "stage": None,
        "slipped": True,
        "phase": "enhancements",  # deleted on 2025-09-20, after enhancements freeze
    }
    assert keps["2140"]["releases"] == [
        {
            "release": "v1.37",
            "state": "at-risk",
            "stage": None,
            "slipped": True,
            "phase": "code",
        },
        {"release": "v1.38", "state": "proposed", "stage": "alpha", "slipped": False, "phase": None},
    ]


def test_a_sig_filter_must_name_a_sig(
    cycle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["slips", "--repo", str(cycle), "--sig", "sig-architectur"]) == 2
    assert 'did you mean "sig-architecture"?' in capsys.readouterr().err
    manifest_of = ["manifest", "--release", "v1.37", "--format=json"]
    assert main([*manifest_of, "--repo", str(cycle), "--sig", "sig-archtecture"]) == 2
    assert 'did you mean "sig-architecture"?' in capsys.readouterr().err
    root = tmp_path / "repo"
    shutil.copytree(cycle, root)
    change(root, "2026-03-25", "a SIG with no receipt yet", {"keps/sig-node/README.md": "SIG Node's KEPs\n"})
    assert main([*manifest_of, "--repo", str(root), "--sig", "sig-node"]) == 0
    assert json.loads(capsys.readouterr().out)["receipts"] == []
    assert main(["slips", "--repo", str(root), "--sig", "sig-node"]) == 0
    assert capsys.readouterr().out == "no KEP has had a receipt\n"


def test_a_manifest_before_its_release_existed_says_so(
    cycle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["manifest", "--repo", str(cycle), "--release", "v1.37", "--at", "2025-12-01"]) == 2
    assert 'releases/v1.37 did not exist yet at "2025-12-01": pick a later --at' in capsys.readouterr().err


def test_reports_at_the_edges_of_time_and_of_the_tree(
    cycle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Found by review: each of these crashed, or named the wrong commit, before."""
    of = ["manifest", "--repo", str(cycle), "--format=json", "--release"]
    assert main([*of, "v1.37", "--at", "HEAD"]) == 0
    at_head = json.loads(capsys.readouterr().out)["receipts"]
    assert main([*of, "v1.37", "--at", "2100-01-01"]) == 0  # git's own date parser misreads 2100
    assert json.loads(capsys.readouterr().out)["receipts"] == at_head
    assert main([*of, "v1.99", "--at", "HEAD"]) == 2
    assert "there is no releases/v1.99" in capsys.readouterr().err
    assert main([*of, "v1.37", "--at", "0001-01-01T00:00+01:00"]) == 2
    assert "before the year 1" in capsys.readouterr().err
    # A release that is there but has no receipt yet draws empty charts.
    root = tmp_path / "repo"
    shutil.copytree(cycle, root)
    change(root, "2026-03-25", "v1.38", {"releases/v1.38/OWNERS": "approvers:\n  - lead\n"})
    assert main(["manifest", "--repo", str(root), "--release", "v1.38", "--format=html"]) == 0
    assert "<svg" in capsys.readouterr().out
    # v1.36 was last touched before the range: a real release with no moves in it, not a typo.
    docs_only = git(cycle, "log", "--format=%H", "-1", "--grep=docs only")
    code, document = history(cycle, "--release", "v1.36", "--since", docs_only)
    assert (code, document["summary"]["commits"], document["transitions"]) == (0, 0, [])


def test_the_chart_says_the_day_its_lines_stop(cycle: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.html"
    args = ["manifest", "--repo", str(cycle), "--release", "v1.37", "--format=html", f"--output={out}"]
    assert main([*args, "--now=2026-03-10"]) == 0  # before the last move: the lines still reach it
    assert ">as of 2026-03-20<" in out.read_text()


def test_unknown_stages_are_not_multiple_slips_and_a_sig_is_no_path(
    cycle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(cycle, root)
    gone = ("releases/v1.36/removed/7.yaml", "releases/v1.37/removed/7.yaml")
    change(root, "2026-03-25", "tidy up", {}, delete=gone)
    assert main(["slips", "--repo", str(root), "--now=2026-05-01", "--format=json"]) == 0
    [seven] = [k for k in json.loads(capsys.readouterr().out)["keps"] if k["kep"] == "7"]
    assert [r["slipped"] for r in seven["releases"]] == [True, True] and seven["flags"] == []
    assert seven["sig"] == "sig-architecture"  # no receipt left: its kep.yaml says whose it is
    assert main(["slips", "--repo", str(root), "--sig", "sig-architecture/2140-k"]) == 2
    assert "is not a SIG" in capsys.readouterr().err


def test_a_sig_only_another_releases_receipt_names_is_a_sig(
    cycle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "repo"
    shutil.copytree(cycle, root)
    path = root / "releases/v1.36/accepted/30.yaml"
    change(
        root,
        "2026-03-25",
        "wg-batch owns 30",
        {
            path.relative_to(root).as_posix(): path.read_text().replace(
                "owning-sig: sig-architecture", "owning-sig: wg-batch"
            )
        },
    )
    assert (
        main(["manifest", "--repo", str(root), "--release", "v1.37", "--format=json", "--sig", "wg-batch"])
        == 0
    )
    assert json.loads(capsys.readouterr().out)["receipts"] == []
