#!/usr/bin/env bash
# Installs what the test bed needs from Debian. Skips packages already installed; safe to run again.
# Needs root (or sudo) only when something is missing.
#   KWOK nodes' hosts: a real sshd and ssh client, sysstat (sar), procps (ps, used by kube-bench), iproute2 (ss).
#   Real nodes (system containers): mmdebstrap (the node image), systemd-container (systemd-nspawn), lxcfs
#   (a node's own /proc/stat and /proc/meminfo), socat (forwards into the node network), nftables and
#   iptables (read to prove the node network closed), openssl (node client certificates), skopeo (pushes the
#   test bed's images into the registry on the node network), patchelf (the access pod's portable sysstat).
set -euo pipefail

exec bash "$(dirname "${BASH_SOURCE[0]}")/../lib/apt-install.sh" testbed openssh-server openssh-client sysstat procps iproute2 \
  mmdebstrap systemd-container lxcfs socat nftables iptables openssl skopeo patchelf
