#!/bin/sh
# What the sampler wrapper's own peak-memory reader costs on this machine: the resident memory of sadc, the
# wrapper, the reader and the sleep between its readings (smaps_rollup), and the CPU time of one reading as
# the reader takes it (its lines of the real wrapper, plus the sleep it starts), averaged over 500 readings.
# Usage (from the repository, after scripts/setup.sh): sh test/bench/measure-peak-reader.sh
set -eu
cd "$(dirname "$0")/../.."
sadc=""
for c in /usr/lib/sysstat/sadc /usr/lib64/sa/sadc /usr/libexec/sa/sadc; do if [ -x "$c" ]; then sadc=$c; break; fi; done
[ -n "$sadc" ] || { echo "sadc not found: run scripts/sampling/install-apt.sh" >&2; exit 1; }
d=$(mktemp -d "${TMPDIR:-/tmp}/hardenlab-peak-reader-XXXXXX")
s=""
w=""
# The wrapper writes its last figures once sadc ends: wait for it before the folder goes.
trap '[ -n "$s" ] && kill "$s" 2>/dev/null; [ -n "$w" ] && wait "$w"; rm -rf "$d"' EXIT
node -r ./test/support/registerTs.js -e "process.stdout.write(require('./src/sampling/samplingScripts').samplerWrapperScript())" > "$d/sampler.sh"
n=500
sh "$d/sampler.sh" "$d/pid" "$sadc" 1 120 "$d/data.sa" "$d" "$(date +%s)" 2>/dev/null &
w=$!
sleep 4
s=$(cat "$d/pid")
wrapper=$(ps -o ppid= -p "$s" | tr -d ' ')
reader=$(pgrep -P "$wrapper" -x sh)
nap=$(pgrep -P "$reader" sleep)
for p in "$s" "$wrapper" "$reader" "$nap"; do
  printf '%-6s' "$(cat "/proc/$p/comm")"
  awk '/^(Rss|Pss|Private_Clean|Private_Dirty):/ {printf " %s %s KiB", $1, $2}' "/proc/$p/smaps_rollup"
  echo
done
# shellcheck disable=SC2016 # the sed scripts match and write a literal $6 and $dir
reading=$(sed -n '/^    c=""; read c/,/^    fi$/p' "$d/sampler.sh" | sed 's/\$6/$dir/g')
cat > "$d/bench.sh" <<BENCH
s=$s; dir=$d; i=0
while [ \$i -lt $n ]; do
$reading
  sleep 0 & x=\$!; wait \$x
  i=\$((i+1))
done
times
BENCH
sh "$d/bench.sh" | awk -v n=$n '{ for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] } }
  END { printf "CPU per reading (VmHWM read + the sleep it starts): %.2f ms, mean of %d\n", t * 1000 / n, n }'
echo "peak read: $(cat "$d/peak.$s") KiB"
