#!/usr/bin/env python3
"""Build a real-size kubernetes/enhancements tree (integration checks, benchmarks).

    python3 hack/corpus_tree.py DEST [--corpus ../shared/corpus/k-enhancements] [--receipts N]

With --corpus, DEST gets a copy of the corpus's KEPs, PRR files and
OWNERS_ALIASES; without it, 700 synthetic KEPs shaped like upstream's.  Every
KEP whose latest-milestone is v1.37 gets a receipt in releases/v1.37/accepted/
(stage from its kep.yaml); more receipts, up to N in all, are spread over the
releases from v1.20 on, v1.37 left to the corpus (one per KEP per release, states
cycling through removed, accepted, at-risk and proposed).  Each release has an
OWNERS file and, unless --no-schedules, a schedule.yaml: v1.37 is in progress,
older releases are closed, newer ones open.  The dates are counted from today
(v1.37 ships 60 days from now, its enhancements freeze 10 days ago), so commits
dated around a freeze must be dated from the schedule.yaml written.  Without schedules every release is
open, so every receipt gets the agreement checks: the worst case.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml  # PyYAML: only for this script, which reads the corpus quickly

STAGES = ("alpha", "beta", "stable", "deprecated", "disabled", "removed")
SIGS = (
    "sig-api-machinery",
    "sig-apps",
    "sig-auth",
    "sig-node",
    "sig-network",
    "sig-storage",
    "sig-scheduling",
)


@dataclass(frozen=True)
class Kep:
    folder: str  # relative to keps/
    number: int
    title: str
    sig: str
    stage: str
    latest_milestone: str


def build(dest: Path, corpus: Path | None, receipts: int, *, schedules: bool = True) -> int:
    """Write the tree; returns how many receipts it holds."""
    keps = copy_corpus(corpus, dest) if corpus else synthetic_keps(dest, count=700)
    written = 0
    for kep in keps:
        if kep.latest_milestone.strip().lstrip("v") == "1.37":
            write_receipt(dest, "v1.37", "accepted", kep)
            written += 1
    for index in range(max(receipts - written, 0)):
        kep = keps[index % len(keps)]
        minor = 20 + index // len(keps)  # one receipt per KEP per release; v1.37 is the corpus's
        release = f"v1.{minor if minor < 37 else minor + 1}"
        write_receipt(dest, release, ("removed", "accepted", "at-risk", "proposed")[index % 4], kep)
        written += 1
    for folder in sorted((dest / "releases").iterdir()):
        (folder / "OWNERS").write_text("approvers:\n  - enhancements-lead\n")
        if schedules:
            (folder / "schedule.yaml").write_text(schedule(int(folder.name.split(".")[1])))
    return written


def schedule(minor: int, today: dt.date | None = None) -> str:
    """Four months a release, v1.37 the one in progress: older releases are closed.

    As ``create-release`` writes it.  Only open releases get the agreement
    checks, so a tree of closed releases checks much faster; v1.37 and the
    releases after it (the 20,000-receipt tree reaches v1.51) stay open.
    """
    release = (today or dt.date.today()) + dt.timedelta(days=60 + 120 * (minor - 37))
    return (
        f"prr-freeze: {release - dt.timedelta(days=77)}\n"
        f"enhancements-freeze: {release - dt.timedelta(days=70)}\n"
        f"code-freeze: {release - dt.timedelta(days=35)}\n"
        f"release: {release}\n"
    )


def copy_corpus(corpus: Path, dest: Path) -> list[Kep]:
    shutil.copytree(corpus, dest, dirs_exist_ok=True)
    keps = []
    for kep_file in sorted(dest.glob("keps/**/kep.yaml")):
        data = yaml.load(kep_file.read_text(), Loader=yaml.BaseLoader)
        number = re.sub(r"[^0-9]", "", str(data.get("kep-number", ""))) if isinstance(data, dict) else ""
        if not number or int(number) == 0:
            continue  # the KEP template (NNNN), or a file that is not a mapping
        stage = str(data.get("stage") or "alpha")
        keps.append(
            Kep(
                folder=kep_file.parent.relative_to(dest / "keps").as_posix(),
                number=int(number),
                title=str(data.get("title", "")),
                sig=str(data.get("owning-sig")),
                stage=stage if stage in STAGES else "alpha",
                latest_milestone=str(data.get("latest-milestone", "")),
            )
        )
    return keps


def synthetic_keps(dest: Path, count: int) -> list[Kep]:
    """KEPs, PRR files and OWNERS_ALIASES shaped like upstream's (sizes included)."""
    (dest / "OWNERS_ALIASES").write_text("aliases:\n  prod-readiness-approvers:\n    - prr-approver\n")
    keps = []
    for index in range(count):
        number, sig = 1000 + index, SIGS[index % len(SIGS)]
        stage = ("alpha", "beta", "stable")[index % 3]
        latest = "v1.37" if index % 8 == 0 else f"v1.{20 + index % 17}"
        kep = Kep(f"{sig}/{number}-feature-{number}", number, f"Feature {number}", sig, stage, latest)
        folder = dest / "keps" / kep.folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "kep.yaml").write_text(_kep_yaml(kep))
        prr = dest / "keps/prod-readiness" / sig / f"{number}.yaml"
        prr.parent.mkdir(parents=True, exist_ok=True)
        prr.write_text(f'kep-number: {number}\n{stage}:\n  approver: "@prr-approver"\n')
        keps.append(kep)
    return keps


def _kep_yaml(kep: Kep) -> str:
    return (
        f'title: {kep.title}\nkep-number: {kep.number}\nauthors:\n  - "@author"\n'
        f"owning-sig: {kep.sig}\nparticipating-sigs:\n  - sig-architecture\nstatus: implementable\n"
        'creation-date: 2024-01-15\nreviewers:\n  - "@reviewer"\napprovers:\n  - "@approver"\n'
        "see-also: []\nreplaces: []\n"
        f'stage: {kep.stage}\nlatest-milestone: "{kep.latest_milestone}"\n'
        f'milestone:\n  alpha: "v1.20"\n  beta: "v1.24"\n  stable: "{kep.latest_milestone}"\n'
        f"feature-gates:\n  - name: Feature{kep.number}\n    components:\n      - kube-apiserver\n"
        "disable-supported: true\nmetrics:\n  - feature_requests_total\n"
    )


def write_receipt(root: Path, release: str, state: str, kep: Kep) -> None:
    target = root / "releases" / release / state / f"{kep.number}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    title = kep.title.replace("\\", "\\\\").replace('"', '\\"')
    target.write_text(
        f'title: "{title}"\nkep-number: {kep.number}\nowning-sig: {kep.sig}\n'
        f"path: {kep.folder}\ntracking-status: {state}\nstage: {kep.stage}\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("dest", type=Path)
    parser.add_argument("--corpus", type=Path, help="e.g. ../shared/corpus/k-enhancements")
    parser.add_argument("--receipts", type=int, default=2000)
    parser.add_argument("--no-schedules", action="store_true", help="every release open: the worst case")
    args = parser.parse_args()
    count = build(args.dest, args.corpus, args.receipts, schedules=not args.no_schedules)
    print(f"{count} receipts in {args.dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
