#!/usr/bin/env bash
# Installs what the cgroup v2 VM proof (the vm lane of test/runner/run-tests.js) needs from Debian; scripts/setup.sh
# --test runs it: QEMU for x86 (TCG; the guest's network is closed by its command line) and e2fsprogs (the guest
# disk is made by mkfs.ext4 -d). The guest itself is built by scripts/testbed/vm/build-guest-image.sh with
# mmdebstrap (scripts/testbed/install-apt.sh).
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../lib/apt-install.sh" vm qemu-system-x86 e2fsprogs
