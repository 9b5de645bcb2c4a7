#!/usr/bin/env bash
# Adds test/fixtures/sysstat/k8s-node-4.* from the real sysstat package, beside sysstat-fixtures.sh's files:
#  - windowed output, as users cut a 24 h file: sadf -j/-d and sar with -s/-e (sadf -j then ends its
#    "statistics" array with an empty record {});
#  - a restart with a different CPU count: the first sadc sees one CPU (a mount namespace shows it a
#    /sys/devices/system/cpu with cpu0 only), the one after the LINUX RESTART mark sees the machine's CPUs;
#  - wider sweeps: sar -A, -u -P ALL, sadf -d/-j of -P ALL, and sadf's -U (epoch) and -t (local time) stamps.
# Usage: sysstat-window-fixtures.sh [OUTPUT FOLDER]   (test/fixtures/sysstat by default)
set -euo pipefail
# shellcheck source=sysstat-fixture-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/sysstat-fixture-lib.sh" "$@"

# record_one_cpu HOST START_CLOCK FILE INTERVAL COUNT: like record, with only cpu0 visible in sysfs.
record_one_cpu() {
  unshare --uts --mount sh -c "hostname '$1'; mount -t tmpfs none '$work/cpu' && mkdir '$work/cpu/cpu0' &&
    echo 0 >'$work/cpu/online' && mount --bind '$work/cpu' /sys/devices/system/cpu &&
    exec faketime -f '@$2' $sadc $4 $5 '$3'" &
}
mkdir -p "$work/cpu"
sa="$work/k8s-node-4.sa28"
record_one_cpu k8s-node-4 '2026-11-28 10:00:00' "$sa" 1 40
cpu_burst 15 4; wait $!
restart_mark k8s-node-4 '2026-11-28 10:00:45' "$sa"
record k8s-node-4 '2026-11-28 10:00:50' "$sa" 1 50
mem_hold 10 10; cpu_burst 10 3; wait $!

base="$out/k8s-node-4.sa28"
c sadf -d "$sa" -- -u >"$base.sadf-d-u.csv"
c sadf -d "$sa" -- -r >"$base.sadf-d-r.csv"
c sadf -j "$sa" -- -u -r >"$base.sadf-j-ur.json"
c sar -u -f "$sa" >"$base.sar-u.txt"
c sar -r -f "$sa" >"$base.sar-r.txt"
# A window across the restart, as `-s`/`-e` cut a day's file.
win=(-s 10:00:20 -e 10:01:20)
w="$out/k8s-node-4.sa28-window"
c sadf -j "${win[@]}" "$sa" -- -u >"$w.sadf-j-u.json"
c sadf -j "${win[@]}" "$sa" -- -r >"$w.sadf-j-r.json"
c sadf -j "${win[@]}" "$sa" -- -u -r >"$w.sadf-j-ur.json"
c sadf -d "${win[@]}" "$sa" -- -u >"$w.sadf-d-u.csv"
c sadf -d "${win[@]}" "$sa" -- -r >"$w.sadf-d-r.csv"
c sar -u "${win[@]}" -f "$sa" >"$w.sar-u.txt"
c sar -r "${win[@]}" -f "$sa" >"$w.sar-r.txt"
# Wider forms of the whole file.
c sar -A -f "$sa" >"$base.sar-A.txt"
c sar -u -P ALL -f "$sa" >"$base.sar-u-P.txt"
c sadf -d "$sa" -- -u -P ALL >"$base.sadf-d-u-P.csv"
c sadf -j "$sa" -- -u -P ALL >"$base.sadf-j-u-P.json"
# The other timestamp forms sadf offers: epoch seconds (-U) and the file's local time (-t, here UTC).
c sadf -d -U "$sa" -- -u >"$base.sadf-dU-u.csv"
TZ=UTC c sadf -d -t "$sa" -- -u >"$base.sadf-dt-u.csv"
TZ=UTC c sadf -j -t "$sa" -- -u >"$base.sadf-jt-u.json"
echo "fixtures written to $out; now run test/fixture-recorders/r-expected.sh to refresh R's expected results"
