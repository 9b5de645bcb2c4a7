/**
 * What the sampler itself costs, recorded on the node: its CPU time and its peak memory (VmHWM), per sampler
 * incarnation, by the health checks' readings and by the wrapper that runs sadc (which reads sadc's peak itself,
 * so every incarnation has one whatever the worker does), and the collect script's totals over them.
 */
import { createHash } from 'node:crypto';
import { CGROUP_CPU_READER } from './cgroupCpu';

/**
 * Reads the sampler's CPU time (utime+stime ticks, and schedstat's nanoseconds where the kernel has it,
 * since a tick is 10 ms and sadc needs less than that per minute) into `overhead.<pid>`, and its peak RSS
 * into `peak.<pid>` (notePeak), so the last reading of every sampler incarnation survives its death.
 */
export function recordOverhead(pidVar: string): string {
  return `if [ -r /proc/${pidVar}/stat ]; then
  ticks=$(sed 's/.*) //' /proc/${pidVar}/stat | awk '{print $12 + $13}')
  ns=$(awk '{print $1}' /proc/${pidVar}/schedstat 2>/dev/null)
  [ -n "$ticks" ] && echo "$ticks - \${ns:-}" > "$dir/overhead.${pidVar}.tmp" && mv "$dir/overhead.${pidVar}.tmp" "$dir/overhead.${pidVar}"
  ${notePeak(pidVar, '$dir').replace(/\n/g, '\n  ')}
fi`;
}

/**
 * Writes VmHWM (KiB) of sadc `pid` to `<dir>/peak.<pid>` when the process is still sadc (not the wrapper's
 * fork before exec, not an exited one, whose memory map the kernel has freed). VmHWM only grows, so the latest
 * reading is the peak so far. Shell builtins only (and mv when it changed): the wrapper runs this on a timer.
 */
function notePeak(pid: string, dir: string): string {
  return (
    `c=""; read c 2>/dev/null < /proc/${pid}/comm
if [ "$c" = sadc ]; then h=""; while read k v u; do if [ "$k" = VmHWM: ]; then h=$v; break; fi; done 2>/dev/null < /proc/${pid}/status
  was=""; read was 2>/dev/null < "${dir}/peak.${pid}"
  if [ -n "$h" ] && [ "$h" -gt 0 ] && [ "$h" != "$was" ]; then echo "$h" > "${dir}/peak.${pid}.$$" && mv "${dir}/peak.${pid}.$$" ` +
    `"${dir}/peak.${pid}"; fi
fi`
  );
}

/** Seconds after its start at which the wrapper first reads sadc's peak memory (sadc has sized its buffers by its first sample). */
export const FIRST_PEAK_READING_SECONDS = 2;
/** The wrapper's slow timer: a reading of sadc's peak memory at least this often, and one a second before sadc's own end. */
export const PEAK_READING_EVERY_SECONDS = 3600;

/** Intervals up to this many seconds start sadc on their grid (a wait of at most one interval). */
export const GRID_ALIGNED_UP_TO_SECONDS = 10;

/**
 * sadc starts on the interval's grid (epoch seconds a multiple of it) for short intervals, so samplers on every node,
 * and two on one node (SSH and the access pod, compared in a test), cover the same seconds: with a free phase each,
 * two 2 s samplers see up to half a different second per sample. Needs GNU date's %N; without it, no wait.
 */
const ALIGN_TO_GRID = `if [ "$3" -le ${GRID_ALIGNED_UP_TO_SECONDS} ]; then n=$(date +%s%N 2>/dev/null)
  case "$n" in ''|*[!0-9]*) ;; *) w=$(($3 * 1000 - n / 1000000 % ($3 * 1000))); sleep "$((w / 1000)).$(printf %03d $((w % 1000)))";; esac
fi`;

/**
 * The sampler process: sadc as a child of a small shell that records sadc's peak memory itself (a background
 * reader: FIRST_PEAK_READING_SECONDS in, then every PEAK_READING_EVERY_SECONDS and once a second before sadc's
 * count runs out; the kernel frees a process's memory map as it exits, so no reading exists after that) and,
 * when sadc exits (window end, stop, kill), writes sadc's total CPU time (`times`, children's user+sys: run in
 * this shell, since a pipeline's forked side has no reaped children) and its lifetime to `final.<pid>`.
 * The reader is killed, never reaped, so its own few readings stay out of sadc's CPU time; the cgroup reader, a
 * reading every interval, is reaped, so its CPU counts as the sampler's.
 * Where /proc/stat is not the node's own, the node's cgroup CPU beside it (src/sampling/cgroupCpu.ts).
 * Arguments: pidfile sadc interval count datafile dir start-seconds [cgroup folder].
 */
export const SAMPLER_WRAPPER =
  `${ALIGN_TO_GRID}
"$2" "$3" "$4" "$5" &
s=$!
echo "$s" > "$1"
(
  trap '[ -n "$w" ] && kill "$w" 2>/dev/null; exit 0' TERM
  w=""; at=0; last=$(($3 * ($4 - 1) - 1))
  nap() { sleep "$1" & w=$!; wait "$w"; w=""; at=$((at + $1)); }
  nap ${FIRST_PEAK_READING_SECONDS}
  while [ -d "/proc/$s" ]; do
    ${notePeak('$s', '$6').replace(/\n/g, '\n    ')}
    left=$((last - at)); [ "$left" -gt 0 ] && [ "$left" -le ${PEAK_READING_EVERY_SECONDS} ] || left=${PEAK_READING_EVERY_SECONDS}
    nap "$left"
  done
) </dev/null >/dev/null 2>&1 &
r=$!
c=""
${CGROUP_CPU_READER}
wait "$s"
kill "$r" $c 2>/dev/null
[ -n "$c" ] && wait "$c"
times > "$6/times.$s"
lived=$(($(date +%s) - $7))
awk -v lived="$lived" 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] }; ` +
  `printf "%.0f %s\\n", t * 1000000000, lived }' \\
  "$6/times.$s" > "$6/final.$s.tmp" && mv "$6/final.$s.tmp" "$6/final.$s"
rm -f "$6/times.$s"
`;

export const SAMPLER_WRAPPER_SHA256 = createHash('sha256').update(SAMPLER_WRAPPER).digest('hex');

/** The wrapper as ensureSamplerScript writes it to `sampler.sh` (for tests that run it on its own). */
export function samplerWrapperScript(): string {
  return SAMPLER_WRAPPER;
}

/**
 * Prints the overhead totals over all sampler incarnations: CPU ns (per incarnation the larger of the last
 * /proc reading and the exit-time total), ticks, CLK_TCK, and the largest peak RSS. An incarnation without a
 * peak reading gets an `rss_not_measured` line with the reason; `max_rss_kib` is left out when none has one
 * (an `overhead.<pid>` of an older version holds the peak in its second column, 0 when it had no reading).
 */
export const printOverhead =
  `tot=0; maxhwm=0; totns=0; clk=$(getconf CLK_TCK 2>/dev/null || echo 100)
for p in $(ls "$dir" | sed -n -e 's/^overhead\\.\\([0-9]*\\)$/\\1/p' -e 's/^final\\.\\([0-9]*\\)$/\\1/p' -e ` +
  `'s/^peak\\.\\([0-9]*\\)$/\\1/p' | sort -u); do
  t=0; h=0; n=""; f=0; lived=""; k=0
  if [ -f "$dir/overhead.$p" ]; then read t h n < "$dir/overhead.$p"; fi
  if [ -f "$dir/final.$p" ]; then read f lived < "$dir/final.$p"; fi
  if [ -f "$dir/peak.$p" ]; then read k < "$dir/peak.$p"; fi
  case "$h" in ''|*[!0-9]*) h=0;; esac
  case "$k" in ''|*[!0-9]*) k=0;; esac
  [ "$k" -gt "$h" ] && h=$k
  [ -n "$n" ] || n=$((t * 1000000000 / clk))
  [ "\${f:-0}" -gt "$n" ] && n=$f
  tot=$((tot + t)); totns=$((totns + n))
  if [ "$h" -gt "$maxhwm" ]; then maxhwm=$h; fi
  if [ "$h" -gt 0 ]; then :
  elif [ -n "$lived" ]; then echo "rss_not_measured=sadc $p ended after $lived s, before its first peak reading ` +
  `(${FIRST_PEAK_READING_SECONDS} s in)"
  elif [ -f "$dir/final.$p" ]; then echo "rss_not_measured=sadc $p ended with no peak reading in its life (a sampler of an older version)"
  else echo "rss_not_measured=sadc $p left no peak reading and no exit record (its wrapper was killed or the node rebooted)"; fi
done
echo "cpu_ticks=$tot"; echo "clk_tck=$clk"; [ "$maxhwm" -gt 0 ] && echo "max_rss_kib=$maxhwm"; echo "cpu_ns=$totns"`;

