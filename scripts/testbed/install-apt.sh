#!/usr/bin/env bash
# Installs what the test bed's node hosts need from Debian: a real sshd and ssh client, sysstat (sar),
# procps (ps, used by kube-bench) and iproute2 (ss). Skips packages already installed; safe to run again.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

exec bash "$(dirname "${BASH_SOURCE[0]}")/../lib/apt-install.sh" testbed openssh-server openssh-client sysstat procps iproute2
