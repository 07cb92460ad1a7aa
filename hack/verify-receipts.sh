#!/usr/bin/env bash
# Verify the KEP receipts a change touches (releases/, keps/) against the
# receipts process. Drop this file into kubernetes/enhancements' hack/.
#
# Uses `receipt-lint` from PATH when there is one. Otherwise it installs
# RECEIPT_LINT_PIP_SPEC (anything pip installs: a path, or a VCS URL such as
# git+https://github.com/OWNER/receipt-lint@COMMIT) into
# _output/receipt-lint-venv, with uv when uv is on PATH, else with pip. When
# the script sits in a receipt-lint checkout (hack/ beside pyproject.toml) that
# checkout is the default. Under Prow the base is PULL_BASE_SHA; elsewhere it is
# check's own default (origin/HEAD, origin/master, origin/main). Extra arguments are passed to
# `receipt-lint check`. Exit codes: the check's (0 clean, 1 errors), 2 when it
# cannot run (an ERROR: line says what to set).
set -o errexit -o nounset -o pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(git rev-parse --show-toplevel)"
cd "${REPO_ROOT}"
LINT=""

fail() {
  echo "ERROR: $*" >&2
  exit 2
}

default_spec() {
  if grep -qs '^name = "receipt-lint"' "${SCRIPT_DIR}/../pyproject.toml"; then
    echo "${SCRIPT_DIR}/.."
  fi
}

# Sets LINT; not called in $(...), so a failure stops the script here.
find_receipt_lint() {
  if command -v receipt-lint >/dev/null 2>&1; then
    LINT="$(command -v receipt-lint)"
    return
  fi
  local venv="${REPO_ROOT}/_output/receipt-lint-venv"
  LINT="${venv}/bin/receipt-lint"
  if [[ -x "${LINT}" ]]; then
    return
  fi
  local spec="${RECEIPT_LINT_PIP_SPEC:-$(default_spec)}"
  if [[ -z "${spec}" ]]; then
    fail "receipt-lint is not installed: put it on PATH, or set RECEIPT_LINT_PIP_SPEC to what pip" \
      "should install (e.g. git+https://github.com/OWNER/receipt-lint@COMMIT, or a checkout's path)"
  fi
  echo "Installing ${spec} into ${venv}" >&2
  rm -rf "${venv}"
  if ! install_into "${venv}" "${spec}"; then
    rm -rf "${venv}"
    fail "could not install ${spec}: set RECEIPT_LINT_PIP_SPEC to an installable spec (pip's or uv's message is above)"
  fi
  [[ -x "${LINT}" ]] || fail "${spec} installed no receipt-lint command: set RECEIPT_LINT_PIP_SPEC to receipt-lint"
}

install_into() {
  local venv="$1" spec="$2"
  if command -v uv >/dev/null 2>&1; then
    uv venv --quiet "${venv}" || return 1
    uv pip install --quiet --python "${venv}/bin/python" "${spec}" || return 1
    return 0
  fi
  if ! command -v python3 >/dev/null 2>&1; then
    fail "python3 is needed to install receipt-lint: use an image with Python 3.10 or later"
  fi
  python3 -m venv "${venv}" || return 1
  "${venv}/bin/pip" install --quiet "${spec}" || return 1
}

main() {
  find_receipt_lint
  # Under Prow HEAD is the merge of the PR into PULL_BASE_SHA: check that commit.
  if [[ -n "${PULL_BASE_SHA:-}" ]]; then
    exec "${LINT}" check --base "${PULL_BASE_SHA}" --head HEAD "$@"
  fi
  # Elsewhere the base is check's own choice, in check's one order (the CI environment, then
  # origin/HEAD, origin/master, origin/main); --base REV among the arguments wins.
  exec "${LINT}" check "$@"
}

main "$@"
