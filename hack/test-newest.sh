#!/usr/bin/env bash
# Run the suite on the newest versions pyproject.toml allows, in a venv of its own,
# and when it fails, name the packages that moved from the lock (constraints.txt).
# .ci/run calls it as an advisory step: the locked suite is what gates a change.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-newest
python3 -m venv "$venv"
# shellcheck disable=SC1091
. "$venv/bin/activate"
python -m pip install -q --upgrade pip
python -m pip install -q --upgrade --upgrade-strategy eager -e '.[test]'
moved=$(python - <<'PY'
import re
from importlib import metadata

def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()

locked = {}
for line in open("constraints.txt", encoding="utf-8"):
    match = re.match(r"([A-Za-z0-9._-]+)==([^\s;#]+)", line)
    if match:
        locked.setdefault(norm(match[1]), set()).add(match[2])
for dist in sorted(metadata.distributions(), key=lambda d: norm(d.metadata["Name"])):
    name, version = norm(dist.metadata["Name"]), dist.version
    if name in locked and version not in locked[name]:
        print(f"  {dist.metadata['Name']} {' or '.join(sorted(locked[name]))} -> {version}")
PY
)
if [ -z "$moved" ]; then
  echo "test-newest: the lock already holds the newest allowed versions"
else
  printf 'test-newest: newer than the lock:\n%s\n' "$moved"
fi
if pytest -n auto -p no:cacheprovider; then
  exit 0
fi
echo "test-newest: FAILED on the newest allowed versions." >&2
if [ -n "$moved" ]; then
  printf 'test-newest: the packages that moved from constraints.txt:\n%s\n' "$moved" >&2
fi
echo "test-newest: fix the code for them (then 'bash hack/lock.sh'), or cap the range in pyproject.toml" >&2
exit 1
