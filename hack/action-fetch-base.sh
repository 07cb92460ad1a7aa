#!/usr/bin/env bash
# action.yml step 2: make sure the base commit and the merge-base exist locally.
# actions/checkout fetches one commit (fetch-depth: 1, the PR's merge commit):
# fetch the base, then deepen both until git finds their merge-base.
set -o errexit -o nounset -o pipefail
base="${RECEIPT_LINT_BASE:-}"
if [[ -z "${base}" ]]; then
  echo "::error::receipt-lint: no base commit; run on pull_request or set the base input"
  exit 2
fi
head="$(git rev-parse HEAD)"
if ! git cat-file -e "${base}^{commit}" 2>/dev/null; then
  git fetch --no-tags --quiet --depth=1 origin "${base}"
fi
for deepen in 1 10 100 1000; do
  if git merge-base "${base}" "${head}" >/dev/null 2>&1; then
    exit 0
  fi
  git fetch --no-tags --quiet --deepen="${deepen}" origin "${head}" "${base}"
done
git merge-base "${base}" "${head}" >/dev/null 2>&1 || git fetch --no-tags --quiet --unshallow origin
