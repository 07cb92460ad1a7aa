#!/usr/bin/env python3
"""Build a real-size test tree from the shared KEP corpus (integration checks, benchmarks).

    python3 hack/corpus_tree.py CORPUS DEST [--state accepted] [--extra N]

Copies CORPUS (../shared/corpus/k-enhancements) to DEST and writes a receipt in
releases/v1.37/<state>/ for every KEP whose latest-milestone is v1.37 (stage
from its kep.yaml).  --extra N adds N synthetic receipts spread over older
releases (v1.20 onwards, one receipt per KEP per release, states cycling
through removed, accepted, at-risk and proposed) to reach a real-size tree.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

import yaml  # PyYAML: only for this script, which reads the corpus quickly


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--state", default="accepted")
    parser.add_argument("--extra", type=int, default=0)
    args = parser.parse_args()
    shutil.copytree(args.corpus, args.dest, dirs_exist_ok=True)
    keps = sorted(args.dest.glob("keps/**/kep.yaml"))
    count = 0
    for kep_file in keps:
        data = yaml.load(kep_file.read_text(), Loader=yaml.BaseLoader)
        if not isinstance(data, dict):
            continue
        if str(data.get("latest-milestone", "")).strip().lstrip("v") != "1.37":
            continue
        write_receipt(args.dest, "v1.37", args.state, kep_file, data)
        count += 1
    last = 20 + args.extra // max(len(keps), 1)
    for release in {"v1.37"} | {f"v1.{minor}" for minor in range(20, last + 1)}:
        owners = args.dest / "releases" / release / "OWNERS"
        owners.parent.mkdir(parents=True, exist_ok=True)
        owners.write_text("approvers:\n  - enhancements-lead\n")
    for index in range(args.extra):
        kep_file = keps[index % len(keps)]
        data = yaml.load(kep_file.read_text(), Loader=yaml.BaseLoader)
        if isinstance(data, dict):
            release = f"v1.{20 + index // len(keps)}"  # one receipt per KEP per release
            state = ("removed", "accepted", "at-risk", "proposed")[index % 4]
            write_receipt(args.dest, release, state, kep_file, data)
    print(f"{count} receipts for v1.37 in {args.state}/, {args.extra} extra", file=sys.stderr)
    return 0


def write_receipt(root: Path, release: str, state: str, kep_file: Path, data: dict) -> None:
    number = re.sub(r"[^0-9]", "", str(data.get("kep-number", ""))) or kep_file.parent.name.split("-")[0]
    if not number.isdigit():
        return  # the KEP template (NNNN)
    stage = str(data.get("stage") or "alpha")
    if stage not in ("alpha", "beta", "stable", "deprecated", "disabled", "removed"):
        stage = "alpha"
    target = root / "releases" / release / state / f"{int(number)}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    title = str(data.get("title", "")).replace('"', '\\"')
    target.write_text(
        f'title: "{title}"\nkep-number: {int(number)}\nowning-sig: {data.get("owning-sig")}\n'
        f"path: {kep_file.parent.relative_to(root / 'keps').as_posix()}\n"
        f"tracking-status: {state}\nstage: {stage}\n"
    )


if __name__ == "__main__":
    raise SystemExit(main())
