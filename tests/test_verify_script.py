"""hack/verify-receipts.sh on throwaway clones, as contributors and Prow run it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import base_files, git_init, write_tree

ROOT = Path(__file__).resolve().parent.parent
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]


def clone_with_script(tmp_path: Path) -> Path:
    upstream = write_tree(tmp_path / "upstream", base_files("at-risk"))
    git_init(upstream)
    subprocess.run([*GIT, "-C", str(upstream), "branch", "-M", "master"], check=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(upstream), str(clone)], check=True)
    (clone / "hack").mkdir()
    shutil.copy(ROOT / "hack/verify-receipts.sh", clone / "hack/verify-receipts.sh")
    subprocess.run([*GIT, "-C", str(clone), "checkout", "-qb", "pr"], check=True)
    return clone


def commit_move(clone: Path, old: str, new: str) -> None:
    (clone / f"releases/v1.37/{new}").mkdir(exist_ok=True)
    subprocess.run(
        [*GIT, "-C", str(clone), "mv", f"releases/v1.37/{old}/2140.yaml", f"releases/v1.37/{new}/2140.yaml"],
        check=True,
    )
    path = clone / f"releases/v1.37/{new}/2140.yaml"
    path.write_text(path.read_text().replace(f"tracking-status: {old}", f"tracking-status: {new}"))
    subprocess.run([*GIT, "-C", str(clone), "commit", "-qam", f"{old} -> {new}"], check=True)


def run(clone: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("PULL_BASE_SHA", "ARTIFACTS")}
    environment["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environment['PATH']}"
    return run_script(clone, environment | (env or {}))


def test_clean_change_passes_and_illegal_move_fails(tmp_path: Path) -> None:
    clone = clone_with_script(tmp_path)
    commit_move(clone, "at-risk", "accepted")
    clean = run(clone)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "v1.37 KEP 2140: at-risk -> accepted" in clean.stdout
    commit_move(clone, "accepted", "proposed")  # at-risk -> proposed overall: illegal
    illegal = run(clone)
    assert illegal.returncode == 1 and "[illegal-transition]" in illegal.stdout


def test_prow_merge_commit_and_junit_artifact(tmp_path: Path) -> None:
    clone = clone_with_script(tmp_path)
    base_sha = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    commit_move(clone, "at-risk", "proposed")  # illegal: at-risk never goes back
    subprocess.run([*GIT, "-C", str(clone), "checkout", "-q", "-B", "master", base_sha], check=True)
    subprocess.run([*GIT, "-C", str(clone), "merge", "-q", "--no-ff", "-m", "merge", "pr"], check=True)
    subprocess.run(["git", "-C", str(clone), "remote", "remove", "origin"], check=True)  # Prow has none
    artifacts = tmp_path / "artifacts"
    result = run(clone, {"PULL_BASE_SHA": base_sha, "ARTIFACTS": str(artifacts)})
    assert result.returncode == 1 and "[illegal-transition]" in result.stdout
    assert "illegal-transition" in (artifacts / "junit_receipt-lint.xml").read_text()


def test_installs_the_pinned_package_when_not_on_path(tmp_path: Path) -> None:
    clone = clone_with_script(tmp_path)
    commit_move(clone, "at-risk", "accepted")
    environment = bare_tools(tmp_path) | {"RECEIPT_LINT_PIP_SPEC": str(ROOT)}  # no uv: pip installs
    if shutil.which("receipt-lint", path=environment["PATH"]):
        return  # this machine ships receipt-lint in /usr/bin: nothing to prove here
    result = run_script(clone, environment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (clone / "_output/receipt-lint-venv/bin/receipt-lint").exists()


def bare_tools(tmp_path: Path, *names: str) -> dict[str, str]:
    """An environment whose PATH holds only git, python3 and ``names``: no receipt-lint anywhere."""
    tools = tmp_path / "bin"
    tools.mkdir(exist_ok=True)
    found = {"git": shutil.which("git"), "python3": getattr(sys, "_base_executable", "")}
    found |= {name: shutil.which(name) for name in names}
    for name, target in found.items():
        assert target, name
        (tools / name).symlink_to(Path(target).resolve())
    # The machine's own registry settings (certificates, mirrors) still apply, as on a CI runner.
    kept = {
        k: v for k, v in os.environ.items() if k.startswith(("SSL_", "PIP_", "UV_", "REQUESTS_", "CURL_"))
    }
    return kept | {"PATH": f"{tools}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(tmp_path)}


def run_script(
    clone: Path, environment: dict[str, str], script: str = "hack/verify-receipts.sh"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [script, "--now=2026-02-01"],
        cwd=clone,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_failed_install_stops_with_exit_2_and_says_what_to_set(tmp_path: Path) -> None:
    clone = clone_with_script(tmp_path)
    environment = bare_tools(tmp_path)
    if shutil.which("receipt-lint", path=environment["PATH"]):
        return  # this machine ships receipt-lint in /usr/bin: nothing to prove here
    result = run_script(clone, environment)  # copied into another repository: no default spec
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith("ERROR: receipt-lint is not installed")
    assert "RECEIPT_LINT_PIP_SPEC" in result.stderr
    result = run_script(clone, environment | {"RECEIPT_LINT_PIP_SPEC": str(tmp_path / "no-such-package")})
    assert result.returncode == 2 and "ERROR: could not install" in result.stderr
    assert not (clone / "_output/receipt-lint-venv").exists()


def test_installs_with_uv_when_uv_is_on_path(tmp_path: Path) -> None:
    clone = clone_with_script(tmp_path)
    commit_move(clone, "at-risk", "accepted")
    environment = bare_tools(tmp_path, "uv") | {"RECEIPT_LINT_PIP_SPEC": str(ROOT)}
    if shutil.which("receipt-lint", path=environment["PATH"]):
        return
    result = run_script(clone, environment)
    assert result.returncode == 0, result.stdout + result.stderr
    venv = clone / "_output/receipt-lint-venv"
    assert (venv / "bin/receipt-lint").exists() and not (venv / "bin/pip").exists()  # uv makes no pip


def test_the_script_beside_its_own_checkout_installs_that_checkout(tmp_path: Path) -> None:
    """Run from a receipt-lint checkout (hack/ beside pyproject.toml), the default works with no setting."""
    clone = clone_with_script(tmp_path)
    commit_move(clone, "at-risk", "accepted")
    environment = bare_tools(tmp_path, "uv")
    if shutil.which("receipt-lint", path=environment["PATH"]):
        return
    result = run_script(clone, environment, script=str(ROOT / "hack/verify-receipts.sh"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Installing {ROOT / 'hack'}/.." in result.stderr
