#!/usr/bin/env bash
# action.yml step 1: install receipt-lint from the action's own folder.
set -o errexit -o nounset -o pipefail
python3 -m venv "${RUNNER_TEMP}/receipt-lint"
"${RUNNER_TEMP}/receipt-lint/bin/pip" install --quiet "${GITHUB_ACTION_PATH}"
