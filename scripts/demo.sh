#!/usr/bin/env bash
# The main job on a fresh machine: set everything up, then run the demo experiment on the embedded
# defaults (test bed + embedded Temporal with its Web UI + worker; all three scenarios, short window).
# Extra arguments go to `hardenlab demo` (e.g. --window 300 --interval 5 --keep).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec node bin/hardenlab.js demo "$@"
