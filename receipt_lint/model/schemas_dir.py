"""Finding the shipped JSON Schemas in any kind of install.

A wheel installs ``schemas/`` as the package ``receipt_lint.schemas``; an
editable install maps that package to the top-level folder.  If neither
import path works (a plain source checkout on sys.path), fall back to the
folder beside the package.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

NAMES = ("receipt", "kep", "prr", "schedule", "config")


def schema_text(name: str) -> str:
    filename = f"{name}.schema.json"
    try:
        return resources.files("receipt_lint.schemas").joinpath(filename).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return (Path(__file__).resolve().parent.parent / "schemas" / filename).read_text("utf-8")
