#!/usr/bin/env bash
# action.yml step 2: install receipt-lint from the action's own folder.
# uv (set up by step 1) takes ~3 s where python3 -m venv + pip took ~18 s
# (docs/ci.md, "The GitHub Action's time"); pip stays the fallback.
set -o errexit -o nounset -o pipefail
venv="${RUNNER_TEMP}/receipt-lint"
if command -v uv >/dev/null 2>&1; then
  uv venv --quiet "${venv}"
  uv pip install --quiet --python "${venv}/bin/python" "${GITHUB_ACTION_PATH}"
else
  python3 -m venv "${venv}"
  "${venv}/bin/pip" install --quiet "${GITHUB_ACTION_PATH}"
fi
