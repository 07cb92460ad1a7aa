#!/usr/bin/env python3
"""Regenerate schemas/ from the pydantic models (a test keeps them equal)."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from receipt_lint.engine.config import published_schema
from receipt_lint.model.schemas_dir import NAMES

for name in NAMES:
    target = Path(__file__).resolve().parent.parent / "schemas" / f"{name}.schema.json"
    target.write_text(json.dumps(published_schema(name), indent=2, sort_keys=True) + "\n")
    print(f"wrote {target.name}")
