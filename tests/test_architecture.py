"""The parts of the package, as the README's development section draws them: imports point down, in no circle.

Every import counts, a lazy one inside a function too: a lazy import is still an arrow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "receipt_lint"
# Top to bottom; a part imports only parts below it (and itself).
LAYERS = ("cli", "github", "reports", "workflow", "reporters", "engine", "rules", "trees", "model")
MAX_LINES = 450


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The receipt_lint modules ``path`` imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names
            ]
        else:
            continue
        found |= {target for target in targets if target in known and target != name}
    return found


GRAPH = {name: imports_of(path, name, set(modules())) for name, path in modules().items()}


def part(module: str) -> str | None:
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 and pieces[1] in LAYERS else None


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down(module: str) -> None:
    mine = part(module)
    if mine is None:
        return  # the package root (its version) and ``__main__`` (which calls the face)
    upward = [
        target
        for target in GRAPH[module]
        if part(target) is not None and LAYERS.index(part(target)) < LAYERS.index(mine)  # type: ignore[arg-type]
    ]
    assert upward == [], f"{module} ({mine}) imports from above it"


def test_no_import_circles() -> None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(GRAPH[node]):
            if state.get(target) == 1:
                raise AssertionError(" -> ".join([*path[path.index(target) :], target]))
            if target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(GRAPH):
        if node not in state:
            visit(node)


def test_the_model_never_imports_the_rules() -> None:
    assert not [m for m in GRAPH if part(m) == "model" and any(part(t) == "rules" for t in GRAPH[m])]


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_module_is_past_the_size_limit(module: str) -> None:
    lines = modules()[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by what its parts do"


def test_the_top_level_holds_only_the_parts() -> None:
    loose = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py"]


def test_ready_to_accept_runs_every_agreement_rule_of_the_registry() -> None:
    from receipt_lint.rules import AGREEMENT_RULES
    from receipt_lint.rules.base import AGREEMENT

    assert sorted(rule.id for rule in AGREEMENT) == sorted(rule.id for rule in AGREEMENT_RULES)
