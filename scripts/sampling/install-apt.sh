#!/usr/bin/env bash
# Installs what node sampling and its tests and benchmark need from Debian: sysstat (sadc, sadf), a real
# sshd and ssh client (ssh-keygen; the tests' own throwaway sshd), dash (the node scripts are checked with
# `dash -n`) and prometheus-node-exporter (the sampler benchmark's comparison). Skips what is installed.
# Where systemd runs, Debian also starts the exporter's own service on :9100; the benchmark does not use
# it (it starts its own instance on a loopback address and port 19111, and stops it afterwards).
set -euo pipefail

exec bash "$(dirname "${BASH_SOURCE[0]}")/../lib/apt-install.sh" sampling sysstat openssh-server openssh-client dash prometheus-node-exporter
