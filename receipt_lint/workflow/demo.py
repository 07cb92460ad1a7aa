"""``receipt-lint demo``: a small enhancements repository with a release's receipts.

The example is built in a temporary folder from the texts below and checked
with ``check --all``.  Some receipts are right and some are wrong on purpose,
so a newcomer sees in one command what the tool catches.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from receipt_lint.engine.check import Options, Result

NOW = "2026-02-20T12:00:00Z"  # between enhancements freeze and code freeze


def _kep(number: int, sig: str, slug: str, title: str, status: str, stage: str) -> dict[str, str]:
    folder = f"keps/{sig}/{number}-{slug}"
    kep = (
        f'title: {title}\nkep-number: {number}\nauthors:\n  - "@author"\n'
        f'owning-sig: {sig}\nstatus: {status}\napprovers:\n  - "@sig-lead"\n'
        f'creation-date: 2025-10-01\nstage: {stage}\nlatest-milestone: "v1.37"\n'
        f'milestone:\n  {stage}: "v1.37"\n'
    )
    prr = f'kep-number: {number}\n{stage}:\n  approver: "@johnbelamaric"\n'
    return {
        f"{folder}/kep.yaml": kep,
        f"{folder}/README.md": ready_readme().replace("KEP-2140", f"KEP-{number}"),
        f"keps/prod-readiness/{sig}/{number}.yaml": prr,
    }


def ready_readme() -> str:
    """A KEP document that meets every requirement of section 8, for any stage (shipped with the package)."""
    from importlib import resources

    return resources.files("receipt_lint").joinpath("ready_readme.md").read_text(encoding="utf-8")


def _receipt(number: int, sig: str, slug: str, title: str, state: str, stage: str) -> str:
    return (
        f"title: {title}\nkep-number: {number}\nowning-sig: {sig}\n"
        f"path: {sig}/{number}-{slug}\ntracking-status: {state}\nstage: {stage}\n"
    )


def files() -> dict[str, str]:
    """Every file of the example repository, by path."""
    tree: dict[str, str] = {
        "OWNERS_ALIASES": "aliases:\n  prod-readiness-approvers:\n    - johnbelamaric\n    - wojtek-t\n",
        "releases/v1.37/OWNERS": "approvers:\n  - enhancements-lead\nreviewers:\n  - shadow\n",
        "releases/v1.37/schedule.yaml": (
            "enhancements-freeze: 2026-02-12T02:00:00Z\ncode-freeze: 2026-03-19T02:00:00Z\n"
            "release: 2026-04-22\n"
        ),
    }
    tree |= _kep(2140, "sig-architecture", "receipts", "Receipts process", "implementable", "alpha")
    tree |= _kep(1287, "sig-node", "in-place-update", "In-place Pod resize", "implementable", "beta")
    tree |= _kep(3000, "sig-apps", "draft-idea", "A draft idea", "provisional", "alpha")
    tree |= _kep(4100, "sig-storage", "volume-thing", "Volume thing", "implementable", "alpha")
    tree |= _kep(4200, "sig-cli", "kubectl-thing", "Kubectl thing", "implementable", "stable")
    tree |= _kep(4300, "sig-network", "late-feature", "Late feature", "implementable", "alpha")
    receipts = [
        # right: accepted, everything agrees
        (2140, "sig-architecture", "receipts", "Receipts process", "accepted", "alpha"),
        # right: at risk, but everything is in place now -> a notice
        (1287, "sig-node", "in-place-update", "In-place Pod resize", "at-risk", "beta"),
        # wrong: accepted although the KEP is still provisional
        (3000, "sig-apps", "draft-idea", "A draft idea", "accepted", "alpha"),
        # wrong: the receipt says beta, kep.yaml says alpha; and still proposed after freeze
        (4100, "sig-storage", "volume-thing", "Volume thing", "proposed", "beta"),
    ]
    for number, sig, slug, title, state, stage in receipts:
        tree[f"releases/v1.37/{state}/{number}.yaml"] = _receipt(number, sig, slug, title, state, stage)
    # wrong: in removed/ but its tracking-status says accepted
    tree["releases/v1.37/removed/4200.yaml"] = _receipt(
        4200, "sig-cli", "kubectl-thing", "Kubectl thing", "accepted", "stable"
    )
    # wrong: an exception request with a typo in a key
    tree["releases/v1.37/exception/4300.yaml"] = (
        _receipt(4300, "sig-network", "late-feature", "Late feature", "exception", "alpha")
        + "exception:\n  freeze: code\n  additional-days: 5\n  reason: tests\n"
        + "  risk-of-adding: low\n  risks-of-cutting: users wait\n"
    )
    return tree


_GIT = ["git", "-c", "user.name=demo", "-c", "user.email=demo@example.invalid"]


def _git(root: Path, *args: str) -> None:
    subprocess.run([*_GIT, "-C", str(root), *args], check=True, capture_output=True)


def build(root: Path) -> None:
    """The release on branch main, and a pull request on branch pr."""
    for path, text in files().items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "v1.37 receipts")
    _git(root, "checkout", "-q", "-b", "pr")
    releases = root / "releases/v1.37"
    # legal: the team accepts the at-risk KEP that is now ready
    (releases / "accepted/1287.yaml").write_text(
        (releases / "at-risk/1287.yaml").read_text().replace("at-risk", "accepted")
    )
    _git(root, "rm", "-q", "releases/v1.37/at-risk/1287.yaml")
    # illegal: a removed KEP straight back to accepted (it must request an exception)
    _git(root, "mv", "releases/v1.37/removed/4200.yaml", "releases/v1.37/accepted/4200.yaml")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "Accept 1287; bring back 4200")
    _git(root, "checkout", "-q", "main")


def _check_pull_request(root: Path, options: Options) -> Result:
    from receipt_lint.engine.diff import Change, check_change
    from receipt_lint.trees import commits, git

    repo = git.open_repo(root)
    resolved = git.resolve_commits(repo, {"base": "main", "head": "pr"})
    head = resolved["head"]
    fork = git.merge_base(repo, resolved["base"], head)
    changed = commits.changed_paths(repo, fork, head, staged=False)
    change = Change(commits.CommitTree(repo, fork), commits.CommitTree(repo, head), changed)
    return check_change(change, options)


def run(stream: TextIO, keep: Path | None = None) -> int:
    from receipt_lint.engine.check import Options, check_all
    from receipt_lint.model.times import parse_time
    from receipt_lint.reporters.text import report
    from receipt_lint.trees.worktree import WorkTree

    with tempfile.TemporaryDirectory(prefix="receipt-lint-demo-") as scratch:
        root = keep or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        build(root)
        stream.write(
            f"An example kubernetes/enhancements checkout with release v1.37 is in {root}.\n"
            f"$ receipt-lint check --all --now {NOW}\n\n"
        )
        now = parse_time(NOW, bare_date="start")  # as `--now` reads it
        result = check_all(WorkTree(root), Options(now=now))
        report(result, stream)
        stream.write(
            "\nA pull request (branch pr) moves two receipts.\n"
            f"$ receipt-lint check --base main --head pr --now {NOW}\n\n"
        )
        report(_check_pull_request(root, Options(now=now)), stream)
        stream.write(
            "\nSome receipts above are wrong on purpose. `receipt-lint explain RULE` says what a "
            "rule checks and how to fix it.\n"
        )
        if keep is None:
            stream.write(
                f"The example folder {root} is removed now; `receipt-lint demo --keep DIR` builds it "
                "in DIR and keeps it, to try the commands on.\n"
            )
        else:
            stream.write(f"The example is kept in {root}: cd there and try `receipt-lint check --all`.\n")
    return 0
