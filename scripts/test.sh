#!/usr/bin/env bash
# The test command (README, .ci/run): system packages, build, then the whole jest suite.
# jest's JSON report goes to .cache/jest-report.json so CI can print `N passed, N failed`.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! bash scripts/setup-test-deps.sh; then
  echo "test.sh: system packages for the QEMU lane could not be installed; the intel-pku tests will say they are skipped and why" >&2
fi
npm run --silent build || exit 2
mkdir -p .cache
NODE_OPTIONS=--experimental-vm-modules npx jest --json --outputFile=.cache/jest-report.json "$@"
