#!/usr/bin/env bash
# Refresh constraints.txt, the lock that the README's test command and .ci/run
# install from, to the newest versions pyproject.toml allows.  Commit the result
# once `bash .ci/run` passes with it.
#   bash hack/lock.sh            # every extra the suite and CI use
set -euo pipefail
cd "$(dirname "$0")/.."
command -v uv >/dev/null 2>&1 || python3 -m pip install -q uv
# --universal: one file with markers, valid on every Python the project supports.
uv pip compile pyproject.toml --extra test --extra dev --extra docs --universal --python-version 3.10 \
  --no-header --annotation-style line --quiet -o constraints.txt.new
{
  echo "# The lock: the versions the README's test command and .ci/run install (pip -c)."
  echo "# Made by hack/lock.sh from pyproject.toml's ranges; refresh with: bash hack/lock.sh"
  cat constraints.txt.new
} >constraints.txt
rm constraints.txt.new
echo "constraints.txt refreshed: review 'git diff constraints.txt', then run 'bash .ci/run'"
