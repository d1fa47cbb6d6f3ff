#!/usr/bin/env bash
# Set everything up and run the whole test suite (browser tests included).
# Extra arguments go to pytest. "No tests ran" (pytest exit code 5) is a failure.
# The suite runs on every core (pytest-xdist); TEST_WORKERS=0 runs it in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
export DJANGO_ALLOW_ASYNC_UNSAFE=true
rc=0
.venv/bin/python -m pytest -n "${TEST_WORKERS:-auto}" --dist worksteal "$@" || rc=$?
if [[ $rc -eq 5 ]]; then
  echo "ERROR: no tests were collected" >&2
  exit 1
fi
exit $rc
