#!/usr/bin/env bash
# Writes test/fixtures/sysstat/r-expected.json: R's own reading (read.table) and boxplot.stats of every sar text
# and sadf -d fixture, the reference the unit tests compare hardenlab against (sadf -j files are checked
# against the sadf -d rendering of the same data file, since base R has no JSON reader).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"
fixtures="$repo_root/test/fixtures/sysstat"
command -v Rscript >/dev/null || apt-get install -y r-base-core
mapfile -t files < <(find "$fixtures" -type f \( -name '*.txt' -o -name '*.csv' \) | sort)
Rscript "$here/sysstat-boxplot.R" "${files[@]}" >"$fixtures/r-expected.json"
echo "wrote $fixtures/r-expected.json (${#files[@]} files)"
Rscript "$here/inference-expected.R" >"$fixtures/r-inference-expected.json"
echo "wrote $fixtures/r-inference-expected.json"
