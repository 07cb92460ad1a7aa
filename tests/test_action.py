"""The GitHub Action's steps, run as a runner would on an actions/checkout-style clone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import base_files, git_init, write_tree

ROOT = Path(__file__).resolve().parent.parent
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        [*GIT, "-C", str(root), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def upstream_with_pull_request(tmp_path: Path) -> tuple[Path, str]:
    """main, a PR branch with an illegal move, its merge ref refs/pull/1/merge; main moved on."""
    upstream = write_tree(tmp_path / "upstream", base_files("at-risk"))
    git_init(upstream)
    git(upstream, "branch", "-M", "main")
    git(upstream, "config", "uploadpack.allowReachableSHA1InWant", "true")  # as GitHub does
    git(upstream, "checkout", "-qb", "pr")
    (upstream / "releases/v1.37/proposed").mkdir()
    git(upstream, "mv", "releases/v1.37/at-risk/2140.yaml", "releases/v1.37/proposed/2140.yaml")
    path = upstream / "releases/v1.37/proposed/2140.yaml"
    path.write_text(path.read_text().replace("at-risk", "proposed"))
    git(upstream, "commit", "-qam", "back to proposed")
    git(upstream, "checkout", "-q", "main")
    (upstream / "README.md").write_text("moved on\n")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-qm", "main moves on")
    base = git(upstream, "rev-parse", "main")
    git(upstream, "checkout", "-q", "--detach", "main")
    git(upstream, "merge", "-q", "--no-ff", "-m", "Merge pr into main", "pr")
    git(upstream, "update-ref", "refs/pull/1/merge", "HEAD")
    git(upstream, "checkout", "-q", "main")
    return upstream, base


def checkout_like_actions(upstream: Path, target: Path) -> Path:
    target.mkdir()
    git(target, "init", "-q")
    git(target, "remote", "add", "origin", f"file://{upstream}")
    git(
        target,
        "fetch",
        "-q",
        "--no-tags",
        "--depth=1",
        "origin",
        "+refs/pull/1/merge:refs/remotes/pull/1/merge",
    )
    git(target, "checkout", "-q", "--detach", "refs/remotes/pull/1/merge")
    return target


def run_action(workspace: Path, tmp_path: Path, base: str) -> list[subprocess.CompletedProcess[str]]:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PULL_", "ARTIFACTS"))}
    env |= {
        "GITHUB_ACTION_PATH": str(ROOT),
        "RUNNER_TEMP": str(tmp_path / "runner"),
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    # The values the step expressions would give on a pull_request event.
    expressions = {
        "${{ inputs.base || github.event.pull_request.base.sha }}": base,
        "${{ inputs.args }}": "--now=2026-02-01",
    }
    results = []
    for step in action["runs"]["steps"]:
        if "uses" in step:  # astral-sh/setup-uv: uv is on PATH here already (the test extras install it)
            assert step["uses"].startswith("astral-sh/setup-uv@") and len(step["uses"].split("@")[1]) == 40
            continue
        assert "${{" not in step["run"] and step["shell"] == "bash"
        step_env = {key: expressions[value] for key, value in step.get("env", {}).items()}
        results.append(
            subprocess.run(
                ["bash", "-c", step["run"]],
                cwd=workspace,
                env=env | step_env,
                capture_output=True,
                text=True,
                timeout=600,
            )
        )
    return results


def test_the_action_annotates_an_illegal_move_on_a_shallow_checkout(tmp_path: Path) -> None:
    upstream, base = upstream_with_pull_request(tmp_path)
    workspace = checkout_like_actions(upstream, tmp_path / "workspace")
    assert git(workspace, "rev-parse", "--is-shallow-repository") == "true"
    install, fetch, check = run_action(workspace, tmp_path, base)
    assert install.returncode == 0, install.stderr
    assert fetch.returncode == 0, fetch.stderr
    assert check.returncode == 1, check.stdout + check.stderr
    first = check.stdout.splitlines()[0]
    assert first.startswith(
        "::error file=releases/v1.37/proposed/2140.yaml,title=receipt-lint illegal-transition"
    )
    assert "README.md" not in check.stdout  # main's own later commit is not the PR's
    assert "| v1.37 | 2140 | at-risk | proposed | **no** |" in (tmp_path / "summary.md").read_text()
