"""Invariants over the registries: rules, schemas, packaging."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from receipt_lint.engine.config import published_schema
from receipt_lint.model.models import SCHEMA_MODELS
from receipt_lint.model.schemas_dir import NAMES, schema_text
from receipt_lint.rules import ALL_RULES
from tests.conftest import KEP, PRR, RECEIPT

ROOT = Path(__file__).resolve().parent.parent
DESIGN_RULES = {  # design doc section 7: every rule
    "config-schema",
    "decided-after-freeze",
    "at-risk-after-freeze",
    "exception-early",
    "exception-edited",
    "kep-readme",
    "missing-docs-prs",
    "yaml-syntax",
    "receipt-schema",
    "receipt-location",
    "release-layout",
    "status-mismatch",
    "filename-mismatch",
    "duplicate-receipt",
    "kep-not-found",
    "kep-metadata",
    "kep-mismatch",
    "stage-mismatch",
    "milestone-mismatch",
    "kep-status",
    "prr-missing",
    "prr-approver",
    "ready-to-accept",
    "prr-mismatch",
    "kep-value",
    "schedule-schema",
    "proposed-after-freeze",
    "missing-implementation-prs",
    "illegal-transition",
    "receipt-deleted",
    "release-changed",
    "opt-in-after-freeze",
    "release-closed",
    "team-approval",
}


def test_rule_ids_are_unique_kebab_case_and_cover_the_design() -> None:
    ids = [rule.id for rule in ALL_RULES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", rule_id) for rule_id in ids)
    assert set(ids) == DESIGN_RULES


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.id)
def test_every_rule_is_documented(rule: object) -> None:
    doc = rule.doc  # type: ignore[attr-defined]
    for section in ("What it does:", "Why:", "How to fix:"):
        assert section in doc


def test_every_rule_is_exercised_by_a_test() -> None:
    tests = "".join(
        path.read_text() for path in (ROOT / "tests").glob("test_*.py") if path.name != "test_invariants.py"
    )
    untested = [rule.id for rule in ALL_RULES if f'"{rule.id}"' not in tests]
    assert untested == []


@pytest.mark.parametrize("name", NAMES)
def test_shipped_schemas_equal_the_models(name: str) -> None:
    shipped = json.loads(schema_text(name))
    assert shipped == json.loads(json.dumps(published_schema(name))), "run hack/update-schemas.py"
    assert json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text()) == shipped
    jsonschema.Draft202012Validator.check_schema(shipped)


def test_schemas_load_from_the_installed_package() -> None:
    from importlib import resources

    files = resources.files("receipt_lint.schemas")
    assert {f"{name}.schema.json" for name in NAMES} <= {entry.name for entry in files.iterdir()}


def test_the_wheel_ships_the_schemas(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("receipt_lint-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"receipt_lint/schemas/{name}.schema.json" for name in NAMES} <= set(names)


def _yaml(text: str) -> object:
    from receipt_lint.model.loader import load

    data = load(text.encode()).data
    if "kep-number" in data and data["kep-number"].isdigit() and text is RECEIPT:
        data["kep-number"] = int(data["kep-number"])
    return data


@pytest.mark.parametrize(("name", "text"), [("receipt", RECEIPT), ("kep", KEP), ("prr", PRR)])
def test_schema_and_model_agree_on_fixtures(name: str, text: str) -> None:
    document = _yaml(text)
    schema = json.loads(schema_text(name))
    jsonschema.validate(document, schema)
    SCHEMA_MODELS[name].model_validate(document)
    broken = dict(document, typo="x")  # type: ignore[call-overload]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
