#!/usr/bin/env bash
# Regenerates test/fixtures/sysstat/ from the real sysstat package (Debian's sadc, sar, sadf).
#
# How the tricky cases are produced, for real:
#  - day rollover: sadc runs under faketime with a start clock of 23:59:10, so its records cross midnight;
#  - LINUX RESTART: `sadc FILE` without interval/count writes sysstat's restart mark (what the boot script does),
#    then a new sadc appends to the same file;
#  - several days in one text file: `sar -f saA > f; sar -f saB >> f`, as the thesis saved them;
#  - 12-hour AM/PM times and decimal commas: sar/sadf under en_US.UTF-8 and de_DE.UTF-8 locales, compiled
#    into a temporary LOCPATH so the system's locale setup is untouched;
#  - host names: each sadc runs in its own UTS namespace (unshare --uts) named like a cluster node.
# CPU bursts (a busy shell loop) and a short 1.5 GiB allocation make outliers and memory movement.
# Only the text renderings are kept (no binary sa files in the repository).
# Usage: sysstat-fixtures.sh [OUTPUT FOLDER]   (test/fixtures/sysstat by default)
set -euo pipefail
# shellcheck source=sysstat-fixture-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/sysstat-fixture-lib.sh" "$@"

node1() {
  local f="$work/k8s-node-1.sa26" g="$work/k8s-node-1.sa27"
  record k8s-node-1 '2026-11-26 23:59:10' "$f" 1 70
  cpu_burst 20 4; wait $!
  restart_mark k8s-node-1 '2026-11-27 00:00:30' "$f"
  record k8s-node-1 '2026-11-27 00:00:35' "$f" 1 40
  mem_hold 10 10; wait $!
  record k8s-node-1 '2026-11-27 09:00:00' "$g" 1 30
  cpu_burst 12 3; wait $!
}
node2() {
  record k8s-node-2 '2026-11-27 11:59:20' "$work/k8s-node-2.sa27" 1 80
  cpu_burst 30 3; wait $!
}
node3() {
  record k8s-node-3 '2026-11-27 14:00:00' "$work/k8s-node-3.sa27" 1 90
  cpu_burst 15 3; mem_hold 25 15; cpu_burst 15 2; wait $!
}
node1 & p1=$!; node2 & p2=$!; node3 & p3=$!
wait $p1 $p2 $p3

for sa in "$work"/*.sa2?; do
  base="$(basename "$sa")"
  c sar -u -f "$sa" >"$out/$base.sar-u.txt"
  c sar -r -f "$sa" >"$out/$base.sar-r.txt"
  c sadf -d "$sa" -- -u >"$out/$base.sadf-d-u.csv"
  c sadf -d "$sa" -- -r >"$out/$base.sadf-d-r.csv"
  c sadf -j "$sa" -- -u >"$out/$base.sadf-j-u.json"
  c sadf -j "$sa" -- -r >"$out/$base.sadf-j-r.json"
done
n1="$work/k8s-node-1.sa26"
us sar -u -f "$n1" >"$out/k8s-node-1.sa26.sar-u.12h.txt"
us sar -r -f "$n1" >"$out/k8s-node-1.sa26.sar-r.12h.txt"
us sar -u -f "$work/k8s-node-2.sa27" >"$out/k8s-node-2.sa27.sar-u.12h.txt"
us sar -r -f "$work/k8s-node-2.sa27" >"$out/k8s-node-2.sa27.sar-r.12h.txt"
S_TIME_FORMAT=ISO c sar -u -f "$n1" >"$out/k8s-node-1.sa26.sar-u.iso.txt"
de sar -u -f "$n1" >"$out/k8s-node-1.sa26.sar-u.de.txt"
de sadf -d "$n1" -- -r >"$out/k8s-node-1.sa26.sadf-d-r.de.csv"
c sar -u -r -f "$n1" >"$out/k8s-node-1.sa26.sar-ur.txt"
c sar -u ALL -P ALL -f "$work/k8s-node-3.sa27" >"$out/k8s-node-3.sa27.sar-u-all-P.txt"
c sadf -d "$work/k8s-node-3.sa27" -- -u ALL >"$out/k8s-node-3.sa27.sadf-d-u-all.csv"
c sadf -j "$n1" -- -u -r >"$out/k8s-node-1.sa26.sadf-j-ur.json"
{ c sar -u -f "$n1"; c sar -u -f "$work/k8s-node-1.sa27"; } >"$out/k8s-node-1.multi-day.sar-u.txt"
{ us sar -r -f "$n1"; us sar -r -f "$work/k8s-node-1.sa27"; } >"$out/k8s-node-1.multi-day.sar-r.12h.txt"
echo "fixtures written to $out; now run test/fixture-recorders/r-expected.sh to refresh R's expected results"
