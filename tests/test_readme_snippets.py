"""Each integration snippet of the documentation, tested as it is printed there (issue 14).

The snippets live in docs/ (CI integration, Reports); the README links to them.
They name receipt-lint by a commit of its repository: ``OWNER/receipt-lint``
and ``COMMIT_SHA`` are the two values a reader fills in.  Here they are this
checkout and its HEAD commit.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import base_files, git_init, write_tree
from tests.fake_github import TOKEN as TOKEN_FOR_TESTS
from tests.test_verify_script import bare_tools, run_script

ROOT = Path(__file__).resolve().parent.parent
# Every page a snippet may live on: each snippet must stand on exactly one.
README = "\n".join(path.read_text() for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))])
SHA = re.compile(r"[0-9a-f]{40}")


def snippet(marker: str, language: str = "yaml") -> str:
    """The fenced block of ``language`` that contains ``marker``."""
    blocks = re.findall(rf"```{language}\n(.*?)```", README, re.S)
    [block] = [b for b in blocks if marker in b]
    return str(block)


def head_commit() -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_actions_workflow_pins_every_action_and_needs_two_values() -> None:
    text = snippet("name: receipts\n")
    assert text.count("OWNER/receipt-lint@COMMIT_SHA") == 1 and "<" not in text
    workflow = yaml.safe_load(text.replace("OWNER", "kubernetes-sigs").replace("COMMIT_SHA", "a" * 40))
    steps = workflow["jobs"]["receipt-lint"]["steps"]
    assert all(SHA.fullmatch(step["uses"].split("@")[1]) for step in steps)
    assert workflow["permissions"] == {"contents": "read"}
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    pinned = [step["uses"] for step in action["runs"]["steps"] if "uses" in step]
    assert pinned and all(SHA.fullmatch(uses.split("@")[1]) for uses in pinned)
    assert_valid_workflow(text, "receipts-workflow.yaml")


def assert_valid_workflow(text: str, name: str) -> None:
    check = shutil.which("check-jsonschema")
    if check is not None:  # the dev extras: validate against GitHub's workflow schema
        path = ROOT / "build" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text.replace("OWNER", "kubernetes-sigs").replace("COMMIT_SHA", "a" * 40))
        done = subprocess.run(
            [check, "--builtin-schema", "vendor.github-workflows", str(path)], capture_output=True
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_audit_workflow_runs_as_printed_and_keeps_the_default_cache(tmp_path: Path) -> None:
    text = snippet("name: receipts-audit")
    assert text.count("OWNER/receipt-lint@COMMIT_SHA") == 1
    workflow = yaml.safe_load(text)
    steps = workflow["jobs"]["audit"]["steps"]
    uses = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    assert all(SHA.fullmatch(step["uses"].split("@")[1]) for step in uses.values())
    assert workflow["permissions"] == {"contents": "read"}
    assert uses["actions/checkout"]["with"]["fetch-depth"] == 0
    restore, save = uses["actions/cache/restore"], uses["actions/cache/save"]
    # The folder receipt-lint uses when nothing is set, saved under the key it restores, even on a breach.
    assert restore["with"]["path"] == save["with"]["path"] == "~/.cache/receipt-lint"
    assert save["with"]["key"] == restore["with"]["key"] and save["if"] == "always()"
    assert_valid_workflow(text, "receipts-audit.yaml")
    # The commands after the install, run as printed on a repository with a history.
    repo = tmp_path / "repo"
    write_tree(repo, base_files("proposed"))
    git_init(repo)
    home = tmp_path / "home"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("RECEIPT_LINT_CACHE_DIR", "XDG_CACHE_HOME")
    }
    env.update(HOME=str(home), PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}")
    runs = [step["run"] for step in steps if "run" in step]
    assert runs[0].startswith("pipx install ")
    for command in runs[1:]:
        done = subprocess.run(["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True)
        assert (done.returncode, done.stderr) == (0, ""), command
    assert "2140" in (repo / uses["actions/upload-artifact"]["with"]["path"]).read_text()
    assert len(list((home / ".cache" / "receipt-lint").glob("history-*.json"))) == 1


PROW_CLUSTERS = {  # kubernetes/test-infra config/tests/jobs/jobs_test.go, buildClusters
    "k8s-infra-aks-prow-build",
    "k8s-infra-kops-prow-build",
    "k8s-infra-prow-build",
    "eks-prow-build-cluster",
    "k8s-infra-ppc64le-prow-build",
    "k8s-infra-s390x-prow-build",
}


def test_the_prow_job_follows_test_infras_rules() -> None:
    config = yaml.safe_load(
        snippet("presubmits:").replace("OWNER", "kubernetes-sigs").replace("COMMIT_SHA", "a" * 40)
    )
    [job] = config["presubmits"]["kubernetes/enhancements"]
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", job["name"])  # TestValidPodNames
    assert job["cluster"] in PROW_CLUSTERS and job["decorate"] is True  # TestClusterName
    [container] = job["spec"]["containers"]
    resources = container["resources"]
    assert resources["requests"] == resources["limits"]  # TestK8sInfraProwBuildJobsCIPolicy: QoS guaranteed
    assert set(resources["limits"]) == {"cpu", "memory"}
    assert (
        int(resources["limits"]["cpu"]) <= 7 and int(resources["limits"]["memory"].removesuffix("Gi")) <= 27
    )
    assert container["image"].startswith("public.ecr.aws/docker/library/python:3.")
    assert container["command"] == ["./hack/verify-receipts.sh"]
    trigger = re.compile(job["run_if_changed"])
    assert trigger.search("releases/v1.37/accepted/2140.yaml") and trigger.search(
        "keps/sig-node/1-x/kep.yaml"
    )
    assert not trigger.search("README.md")
    assert job["annotations"]["testgrid-dashboards"] == "sig-arch-enhancements"


def test_the_pre_commit_snippet_runs_as_printed(tmp_path: Path) -> None:
    text = snippet("hooks:\n      - id: receipt-lint").replace(
        "https://github.com/OWNER/receipt-lint", str(ROOT)
    )
    config = text.replace("COMMIT_SHA", head_commit())
    repo = write_tree(tmp_path / "enhancements", base_files("at-risk"))
    git_init(repo)
    (repo / ".pre-commit-config.yaml").write_text(config)
    (repo / "releases/v1.37/proposed").mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-C", str(repo)]
    subprocess.run(
        [*git, "mv", "releases/v1.37/at-risk/2140.yaml", "releases/v1.37/proposed/2140.yaml"], check=True
    )
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    done = subprocess.run(
        ["pre-commit", "run"], cwd=repo, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[illegal-transition]" in done.stdout


def test_the_verify_script_snippet_installs_a_commit(tmp_path: Path) -> None:
    line = snippet("RECEIPT_LINT_PIP_SPEC=git+", "sh").strip()
    spec = "git+https://github.com/OWNER/receipt-lint@COMMIT_SHA"
    assert line == f"RECEIPT_LINT_PIP_SPEC={spec} hack/verify-receipts.sh"
    uv = shutil.which("uv", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    if uv is None:
        pytest.skip("uv is in the test extras; without it pip would take a minute here")
    clone = write_tree(tmp_path / "enhancements", base_files("at-risk"))
    git_init(clone)
    (clone / "hack").mkdir()
    shutil.copy(ROOT / "hack/verify-receipts.sh", clone / "hack/verify-receipts.sh")
    env = bare_tools(tmp_path, "uv") | {"RECEIPT_LINT_PIP_SPEC": f"git+file://{ROOT}@{head_commit()}"}
    env["PULL_BASE_SHA"] = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    done = run_script(clone, env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (clone / "_output/receipt-lint-venv/bin/receipt-lint").exists()


def _status_release(tmp_path: Path, github: Any) -> tuple[Path, dict[str, str]]:
    """A release whose KEP 1001 missed code freeze (a move overdue), the fake GitHub, and the job's env."""
    from tests.github_trees import K8S, kep_files, release_tree

    repo = release_tree(tmp_path / "enhancements", kep_files(1001, "accepted", code=[K8S + "1"], docs=[]))
    github.add_pull(K8S + "1")
    github.add_issue("kubernetes/enhancements", 1001)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return repo, env


def test_the_status_prow_periodic_runs_as_printed_in_the_trusted_cluster(tmp_path: Path, github: Any) -> None:
    config = yaml.safe_load(snippet("periodics:\n  - name: periodic-enhancements-receipts-status"))
    [job] = config["periodics"]
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", job["name"]) and job["decorate"] is True
    # Beside the release team's board sync job: the trusted cluster holds its token secret.
    assert job["cluster"] == "k8s-infra-prow-build-trusted"
    assert job["extra_refs"] == [
        {"org": "kubernetes", "repo": "enhancements", "base_ref": "master", "workdir": True}
    ]
    [container] = job["spec"]["containers"]
    assert container["resources"]["requests"] == container["resources"]["limits"]
    [token] = container["env"]
    assert token["name"] == "GITHUB_TOKEN" and token["valueFrom"]["secretKeyRef"]["key"] == "token"
    assert job["annotations"]["testgrid-dashboards"] == "sig-release-release-team-periodics"
    shell, flag, script = container["command"]
    assert (shell, flag) == ("/bin/bash", "-c") and "OWNER/receipt-lint@COMMIT_SHA" in script
    # The script as printed, but for the install (this checkout's receipt-lint is on PATH).
    repo, env = _status_release(tmp_path, github)
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    env.update(ARTIFACTS=str(artifacts), GITHUB_TOKEN=TOKEN_FOR_TESTS, GITHUB_GRAPHQL_URL=github.url)
    runnable = "\n".join(line for line in script.splitlines() if not line.startswith("pip install"))
    now = "--now 2026-03-20T00:00:00Z"  # after code freeze: KEP 1001's removal is overdue
    done = subprocess.run(
        ["bash", "-c", runnable.replace("--release v1.37", f"--release v1.37 {now}")],
        cwd=repo, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # the job goes red while a move is overdue
    assert "$ receipt-lint remove 1001 --release v1.37" in done.stdout
    assert "<h2 id='code'>" in (artifacts / "status.html").read_text()
    assert TOKEN_FOR_TESTS not in (artifacts / "status-snapshot.json").read_text() + done.stdout + done.stderr


def _read_only_pinned_workflow(text: str, job: str) -> list[dict[str, Any]]:
    """A scheduled workflow's steps, once its permissions, pins and schema are as they must be."""
    workflow = yaml.safe_load(text)
    assert workflow["permissions"] == {"contents": "read"}
    steps: list[dict[str, Any]] = workflow["jobs"][job]["steps"]
    assert all(SHA.fullmatch(step["uses"].split("@")[1]) for step in steps if "uses" in step)
    assert_valid_workflow(text, f"receipts-{job}.yaml")
    return steps


def test_the_status_workflow_runs_as_printed(tmp_path: Path, github: Any) -> None:
    text = snippet("name: receipts-status")
    assert text.count("OWNER/receipt-lint@COMMIT_SHA") == 1
    steps = _read_only_pinned_workflow(text, "status")
    repo, env = _status_release(tmp_path, github)
    summary = tmp_path / "summary.md"
    env.update(GITHUB_STEP_SUMMARY=str(summary), GITHUB_GRAPHQL_URL=github.url)
    runs = [step for step in steps if "run" in step]
    assert runs[0]["run"].startswith("pipx install ")
    codes = []
    for step in runs[1:]:
        step_env = {
            key: TOKEN_FOR_TESTS if value == "${{ secrets.GITHUB_TOKEN }}" else value
            for key, value in step.get("env", {}).items()
        }
        command = step["run"].replace("--release v1.37", "--release v1.37 --now 2026-03-20T00:00:00Z")
        done = subprocess.run(
            ["bash", "-e", "-c", command], cwd=repo, env=env | step_env, capture_output=True, text=True
        )
        codes.append(done.returncode)
    assert codes == [0, 1]  # the dashboard is made; the summary step fails while a move is overdue
    assert (repo / "status.html").is_file() and (repo / "status-snapshot.json").is_file()
    assert "### Remove (1)" in summary.read_text()


def _board_release(tmp_path: Path, github: Any) -> tuple[Path, dict[str, str]]:
    from tests.test_board import release

    repo = release(tmp_path, github, 3)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return repo, env | {"GITHUB_GRAPHQL_URL": github.url}


def test_the_board_prow_periodic_runs_as_printed(tmp_path: Path, github: Any) -> None:
    config = yaml.safe_load(snippet("periodics:\n  - name: periodic-enhancements-receipts-board"))
    [job] = config["periodics"]
    assert job["cluster"] == "k8s-infra-prow-build-trusted" and job["decorate"] is True
    [container] = job["spec"]["containers"]
    assert container["resources"]["requests"] == container["resources"]["limits"]
    [token] = container["env"]
    assert token["valueFrom"]["secretKeyRef"]["name"] == "k8s-release-enhancements-triage-github-token"
    script = container["command"][2]
    repo, env = _board_release(tmp_path, github)
    runnable = "\n".join(line for line in script.splitlines() if not line.startswith("pip install"))
    done = subprocess.run(
        ["bash", "-c", runnable], cwd=repo, env=env | {"GITHUB_TOKEN": TOKEN_FOR_TESTS},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr  # written, read back, and it agrees
    assert github.board.item_values("kubernetes", 264, 3000)["Status"].startswith("Tracked for")
    assert "tracked/yes" in github.issues[("kubernetes/enhancements", 3000)]["labels"]


def test_the_board_workflow_runs_as_printed(tmp_path: Path, github: Any) -> None:
    text = snippet("name: receipts-board")
    steps = _read_only_pinned_workflow(text, "board")
    repo, env = _board_release(tmp_path, github)
    runs = [step for step in steps if "run" in step]
    assert runs[0]["run"].startswith("pipx install ")
    [step] = runs[1:]
    assert step["env"] == {"GITHUB_TOKEN": "${{ secrets.PROJECT_TOKEN }}"}  # not the workflow's own token
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=repo, env=env | {"GITHUB_TOKEN": TOKEN_FOR_TESTS},
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert github.board.item_values("kubernetes", 264, 3002) is not None  # added to the board
