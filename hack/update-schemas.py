#!/usr/bin/env python3
"""Regenerate schemas/ from the pydantic models (a test keeps them equal)."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from receipt_lint.models import json_schema
from receipt_lint.schemas_dir import NAMES

for name in NAMES:
    target = Path(__file__).resolve().parent.parent / "schemas" / f"{name}.schema.json"
    target.write_text(json.dumps(json_schema(name), indent=2, sort_keys=True) + "\n")
    print(f"wrote {target.name}")
