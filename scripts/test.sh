#!/usr/bin/env bash
# All tests on a fresh machine: set up (with the test tools), then typecheck, lint, and every jest project
# (unit, workflow tests on the time-skipping server, integration tests on the real test bed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh --test
exec npm test
