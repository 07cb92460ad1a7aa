#!/usr/bin/env bash
# action.yml step 3: check the pull request's change, with annotations.
set -o errexit -o nounset -o pipefail
read -r -a extra <<<"${RECEIPT_LINT_ARGS:-}"
exec "${RUNNER_TEMP}/receipt-lint/bin/receipt-lint" check \
  --base "${RECEIPT_LINT_BASE}" --head HEAD --format github "${extra[@]}"
