#!/usr/bin/env bash
# Installs what the analysis tests and benchmark use from Debian: R (r-base-core: the live cross-check with
# boxplot.stats and the R side of `npm run bench`), Chromium (the report test opens report.html headless) and
# sysstat (sar/sadf, to regenerate fixtures). test/fixture-recorders/sysstat-fixtures.sh installs faketime and locales
# itself, only when fixtures are regenerated. Skips packages already installed; safe to run again.
set -euo pipefail

exec bash "$(dirname "${BASH_SOURCE[0]}")/../lib/apt-install.sh" analysis r-base-core chromium sysstat
