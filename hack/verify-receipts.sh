#!/usr/bin/env bash
# Verify the KEP receipts a change touches (releases/, keps/) against the
# receipts process. Drop this file into kubernetes/enhancements' hack/:
# hack/verify.sh runs every hack/verify-*.sh.
#
# Uses `receipt-lint` from PATH when there is one; otherwise installs the pinned
# version into _output/receipt-lint-venv (RECEIPT_LINT_PIP_SPEC overrides what
# pip installs, e.g. a path or a VCS URL). Under Prow the base is PULL_BASE_SHA;
# elsewhere it is the merge-base with the upstream branch. Extra arguments are
# passed to `receipt-lint check`.
set -o errexit -o nounset -o pipefail

RECEIPT_LINT_PIP_SPEC="${RECEIPT_LINT_PIP_SPEC:-receipt-lint==0.1.0}"
REPO_ROOT="$(git rev-parse --show-toplevel)"
cd "${REPO_ROOT}"

find_receipt_lint() {
  if command -v receipt-lint >/dev/null 2>&1; then
    command -v receipt-lint
    return
  fi
  local venv="${REPO_ROOT}/_output/receipt-lint-venv"
  if [[ ! -x "${venv}/bin/receipt-lint" ]]; then
    echo "Installing ${RECEIPT_LINT_PIP_SPEC} into ${venv}" >&2
    python3 -m venv "${venv}"
    "${venv}/bin/pip" install --quiet "${RECEIPT_LINT_PIP_SPEC}"
  fi
  echo "${venv}/bin/receipt-lint"
}

find_base() {
  if [[ -n "${PULL_BASE_SHA:-}" ]]; then
    echo "${PULL_BASE_SHA}"
    return
  fi
  local ref
  for ref in upstream/master origin/master upstream/main origin/main; do
    if git rev-parse --verify --quiet "${ref}^{commit}" >/dev/null; then
      git merge-base HEAD "${ref}"
      return
    fi
  done
}

main() {
  local lint base
  lint="$(find_receipt_lint)"
  base="$(find_base)"
  if [[ -z "${base}" ]]; then
    echo "ERROR: no base to compare with: set PULL_BASE_SHA or fetch upstream/master" >&2
    exit 2
  fi
  # Under Prow HEAD is the merge of the PR into PULL_BASE_SHA: check that commit.
  if [[ -n "${PULL_BASE_SHA:-}" ]]; then
    exec "${lint}" check --base "${base}" --head HEAD "$@"
  fi
  exec "${lint}" check --base "${base}" "$@"
}

main "$@"
