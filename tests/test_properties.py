"""Property tests: random input never crashes; moves agree with the table; edits stay local."""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receipt_lint.cli import main
from receipt_lint.engine.check import Options, check_all
from receipt_lint.model.loader import YamlError, load
from receipt_lint.model.transitions import LEGAL
from receipt_lint.rules import RULES_BY_ID
from receipt_lint.trees.worktree import WorkTree
from receipt_lint.workflow.edit import EditError, set_value
from receipt_lint.workflow.verbs import move
from receipt_lint.workflow.workspace import WorkflowError, Workspace
from tests.conftest import EXCEPTION_BLOCK, RECEIPT, base_files, git_init, write_tree

NOW = dt.datetime(2026, 2, 1, tzinfo=dt.timezone.utc)
STATES = ("proposed", "accepted", "at-risk", "exception", "removed")
KEYS = (
    "title",
    "kep-number",
    "owning-sig",
    "path",
    "tracking-status",
    "stage",
    "implementation-prs",
    "docs-prs",
    "exception",
    "freeze",
    "typo",
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.text(max_size=30),
    st.sampled_from(["../../etc", "sig-architecture/2140-receipts", "accepted", "beta"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    max_leaves=8,
)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.binary(max_size=400))
def test_any_bytes_load_or_fail_cleanly(raw: bytes) -> None:
    try:
        load(raw)
    except YamlError as error:
        assert error.message


@FAST
@given(st.dictionaries(st.sampled_from(KEYS), values, max_size=8), st.sampled_from(STATES))
def test_random_receipts_never_crash_the_check(receipt: dict[str, object], state: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        files = base_files()
        files[f"releases/v1.37/{state}/2140.yaml"] = yaml.safe_dump(receipt)
        root = write_tree(Path(scratch), files)
        result = check_all(WorkTree(root), Options(now=NOW))
    assert all(finding.rule in RULES_BY_ID for finding in result.findings)


def _receipt(state: str) -> str:
    text = RECEIPT.replace("tracking-status: accepted", f"tracking-status: {state}")
    return text + (EXCEPTION_BLOCK if state == "exception" else "")


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(STATES), st.sampled_from(STATES))
def test_workflow_moves_and_check_agree_with_the_table(origin: str, target: str) -> None:
    """The workflow refuses exactly the moves check calls illegal, and both follow LEGAL."""
    with tempfile.TemporaryDirectory() as scratch:
        files = base_files()
        del files["releases/v1.37/accepted/2140.yaml"]
        files[f"releases/v1.37/{origin}/2140.yaml"] = _receipt(origin)
        root = write_tree(Path(scratch), files)
        git_init(root)
        try:
            move(Workspace(root, NOW), 2140, "v1.37", target, say=lambda _: None)
            moved = True
        except WorkflowError:
            moved = False
        assert moved == ((origin, target) in LEGAL)
        if moved:
            base = subprocess.run(
                ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
            ).stdout.strip()
            code = main(
                [
                    "check",
                    "--repo",
                    str(root),
                    "--base",
                    base,
                    "--now=2026-02-01",
                    "--format=json",
                    f"--output={root.parent / 'out.json'}",
                ]
            )
            assert "illegal-transition" not in (root.parent / "out.json").read_text(), (origin, target)
            assert code in (0, 1)


comment = st.text(alphabet="abc #-'\"", max_size=12).map(lambda text: f"  # {text}" if text else "")
quoted = st.sampled_from(["{v}", "'{v}'", '"{v}"'])


@FAST
@given(
    st.lists(
        st.tuples(st.sampled_from(["title", "owning-sig", "status", "editor"]), quoted, comment),
        min_size=1,
        max_size=5,
        unique_by=lambda item: item[0],
    ),
    quoted,
    comment,
    st.sampled_from(["alpha", "beta", "stable"]),
)
def test_setting_stage_changes_only_the_stage_line(
    others: list[tuple[str, str, str]], stage_quote: str, stage_comment: str, stage: str
) -> None:
    lines = [f"{key}: {quote.format(v='x')}{note}" for key, quote, note in others]
    lines.insert(len(lines) // 2, f"stage: {stage_quote.format(v='alpha')}{stage_comment}")
    text = "# header\n" + "\n".join(lines) + "\n"
    try:
        edited = set_value(text, ("stage",), stage)
    except EditError:
        return
    before, after = text.splitlines(), edited.splitlines()
    assert len(before) == len(after)
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert all(old.startswith("stage:") for old, _ in changed)
    assert load(edited.encode()).data["stage"] == stage
