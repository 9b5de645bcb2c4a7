/**
 * Node-side shell scripts of the sampler, as pure builders (POSIX sh, run over either node transport). Each prints `key=value`
 * lines that src/sampling/parse.ts reads. State lives in files under a run's folder on the node, so it survives any restart.
 */
import { checksumGuard } from '../ssh/privateDir';
import { shellQuote } from '../ssh/shell';
import type { Detach } from '../ssh/sessionContract';
import { printOverhead, recordOverhead, SAMPLER_WRAPPER, SAMPLER_WRAPPER_SHA256 } from './overhead';
import { findSysstat, SADC_CANDIDATES, type SysstatKitSums } from './sysstatKit';
import { CGROUP_CPU_FILE, detectCgroupCpu } from './cgroupCpu';

export { FIRST_PEAK_READING_SECONDS, PEAK_READING_EVERY_SECONDS, samplerWrapperScript } from './overhead';
export { SADC_CANDIDATES, SYSSTAT_KIT_DIR, type SysstatKitSums } from './sysstatKit';
export { bootIdScript, bootTimeScript, nodeIdentityScript } from './nodeScripts';

/**
 * The sampler's state lives under the SSH user's home, relative (SSH commands start there and SFTP
 * resolves relative paths there), where no other user can write: a fixed folder in /var/tmp belongs to
 * whoever creates it first, and the sampler (root on many nodes) writes and runs a script in it.
 */
export const REMOTE_ROOT = '.hardenlab/runs';

/** Folder and file names on the node (relative to the SSH user's home); runId and node names are reduced to safe characters. */
export function remotePaths(runId: string, node: string) {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');
  const runDir = `${REMOTE_ROOT}/${safe(runId)}`;
  /** The folder checked to be the SSH user's own (not a link) before anything is written under it. */
  const base = REMOTE_ROOT.split('/')[0]!;
  const dir = `${runDir}/${safe(node)}`;
  return {
    base,
    runDir,
    dir,
    data: `${dir}/data.sa`,
    pidFile: `${dir}/sampler.pid`,
    runEnv: `${dir}/run.env`,
    gaps: `${dir}/gaps.tsv`,
    sadfJson: `${dir}/sadf.json`,
    log: `${dir}/sampler.log`,
  };
}
export type RemotePaths = ReturnType<typeof remotePaths>;

/** Finds sadc/sadf (the kit's too, given its sums) and prints the sysstat version and the package manager, changing nothing. */
export function probeSysstatScript(kit?: SysstatKitSums): string {
  return `${findSysstat(kit)}
echo "sadc=$sadc"
if [ -n "$sadf" ]; then echo "sadf=$sadf"; fi
if [ "$kit" = 1 ]; then echo "kit=1"; fi
if [ -n "$sadc" ]; then echo "version=$("$sadc" -V 2>&1 | sed -n 's/.*sysstat version //p' | head -n 1)"; fi
for pm in apt-get dnf yum; do if command -v $pm >/dev/null 2>&1; then echo "pm=$pm"; break; fi; done
echo "user=$(id -un)"
`;
}

/** The install command for a package manager, as shown in messages (run privileged). */
export function installCommand(pm: string): string {
  switch (pm) {
    case 'apt-get':
      return (
        'DEBIAN_FRONTEND=noninteractive apt-get install -y sysstat || ' +
        '{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y sysstat; }'
      );
    case 'dnf':
      return 'dnf install -y sysstat';
    case 'yum':
      return 'yum install -y sysstat';
    default:
      throw new Error(`no install command for package manager ${pm}`);
  }
}

/** Sets $alive/$pid: the pid file names a live process whose command line is sadc writing our file. */
const checkAlive = `alive=0; pid=""
if [ -f "$pidfile" ]; then
  pid=$(cat "$pidfile" 2>/dev/null)
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\\000' ' ' < "/proc/$pid/cmdline" | grep -q "sadc.* $data"; then alive=1; fi
fi`;

/**
 * Starts the checked wrapper ("$@") so it outlives this command. `session`: its own session (setsid), which an
 * SSH logout does not end. `service`: a transient systemd service in the node's own cgroups, for the access
 * pod's commands: a process left in the pod's cgroup dies with the pod, and the sampler must not. Nodes without
 * systemd fall back to setsid; `launch=` says which ran.
 */
const launchDetached = `launch=session
if [ "$detach" = service ] && [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then
  systemd-run --quiet --collect --property=WorkingDirectory="$PWD" --property=StandardError=append:"$PWD/$dir/sampler.log" \\
    --property=StandardOutput=null sh "$@" 2>>"$dir/sampler.log" 9>&- && launch=service
fi
if [ "$launch" = session ]; then setsid sh "$@" </dev/null >/dev/null 2>>"$dir/sampler.log" 9>&- & fi
echo "launch=$launch"`;

export interface EnsureSamplerOptions {
  intervalSeconds: number;
  durationSeconds: number;
  /**
   * `start`: create the run if new. `check`: the periodic health check (never creates a run). For an
   * existing run, interval and window end are read from its run.env on the node, not from these options.
   */
  mode: 'start' | 'check';
  /** How the sampler outlives the command that starts it (the session's `detach`); default `session`. */
  detach?: Detach;
  /** The uploaded sysstat's sums, where the transport can provide one (the access pod). */
  kit?: SysstatKitSums;
}

/**
 * Starts the sampler if it is not running, idempotently (pid file + /proc/<pid>/cmdline). If the run exists
 * but its sampler is dead or stalled (file not growing) before the window end, restarts it after a sysstat
 * restart mark and appends the gap (last write → restart) to gaps.tsv. Serialized by flock on the node.
 */
export function ensureSamplerScript(paths: RemotePaths, options: EnsureSamplerOptions): string {
  const interval = Math.max(1, Math.round(options.intervalSeconds));
  const duration = Math.max(interval, Math.round(options.durationSeconds));
  return `set -u
dir=${shellQuote(paths.dir)}; data=${shellQuote(paths.data)}; pidfile=${shellQuote(paths.pidFile)}
mode=${options.mode}; interval=${interval}; duration=${duration}; detach=${options.detach ?? 'session'}
${findSysstat(options.kit)}
if [ -z "$sadc" ]; then echo "error=sadc not found in ${SADC_CANDIDATES.join(', ')}"; exit 4; fi
if [ "$mode" = check ] && [ ! -f "$dir/run.env" ]; then echo "state=absent"; exit 0; fi
umask 077
top=${shellQuote(paths.base)}
mkdir -p "$top" 2>/dev/null
if [ -L "$top" ] || [ ! -O "$top" ]; then echo "error=$top in the home of $(id -un) is a link or not owned by it"; exit 3; fi
mkdir -p "$dir" || { echo "error=cannot create $dir as $(id -un)"; exit 3; }
exec 9>"$dir/lock"
if command -v flock >/dev/null 2>&1; then flock -w 60 9 || { echo "error=lock busy"; exit 5; }; fi
now_ms=$(date +%s%3N); now_s=$(date +%s)
current_boot=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
echo "now_ms=$now_ms"
if [ ! -f "$dir/run.env" ]; then
  printf 'interval=%s\\nend_at=%s\\nstarted_ms=%s\\nstarted_boot=%s\\n' \\
    "$interval" "$((now_s + duration))" "$now_ms" "$current_boot" > "$dir/run.env.tmp"
  mv "$dir/run.env.tmp" "$dir/run.env"
  fresh=1
else
  fresh=0
fi
. "$dir/run.env"
echo "started_ms=$started_ms"; echo "end_at=$end_at"
${checkAlive}
mtime_ms=0
if [ -f "$data" ]; then
  mtime_ms=$(stat -c %.3Y "$data" 2>/dev/null | tr -d .)
  case "$mtime_ms" in ''|*[!0-9]*) mtime_ms=$(( $(stat -c %Y "$data") * 1000 ));; esac
  echo "size=$(stat -c %s "$data")"
fi
echo "mtime_ms=$mtime_ms"
stalled=0
if [ "$alive" = 1 ] && [ "$mtime_ms" -gt 0 ]; then
  age=$(( (now_ms - mtime_ms) / 1000 ))
  limit=$((interval * 3)); [ "$limit" -lt 10 ] && limit=10
  if [ "$age" -gt "$limit" ]; then stalled=1; fi
fi
if [ "$alive" = 1 ]; then ${recordOverhead('$pid').replace(/\n/g, '\n  ')}
fi
if [ "$alive" = 1 ] && [ "$stalled" = 0 ]; then echo "state=running"; echo "pid=$pid"; exit 0; fi
if [ "$stalled" = 1 ]; then kill -9 "$pid" 2>/dev/null; reason="sampler stalled (file not growing)"
elif [ "$fresh" = 1 ]; then reason=""
elif [ "$current_boot" != "$(cat "$dir/boot_id.last" 2>/dev/null || echo "$current_boot")" ]; then reason="node rebooted"
else reason="sampler not running (killed or crashed)"; fi
if [ -f "$dir/stopped" ] || [ "$now_s" -ge "$end_at" ]; then echo "state=finished"; exit 0; fi
remaining=$(( (end_at - now_s + interval - 1) / interval + 1 ))
if [ -f "$data" ]; then
  # a restart mark, as sysstat's boot script writes, so no sample spans the gap
  "$sadc" "$data" >/dev/null 2>>"$dir/sampler.log"
  gap_start=$mtime_ms; [ "$gap_start" -gt 0 ] || gap_start=$started_ms
  printf '%s\\t%s\\t%s\\n' "$gap_start" "$now_ms" "$reason" >> "$dir/gaps.tsv"
fi
echo "$current_boot" > "$dir/boot_id.last"
rm -f "$pidfile"
cat > "$dir/sampler.sh" <<'WRAPPER'
${SAMPLER_WRAPPER}WRAPPER
# run as the SSH user (root on many nodes): from the run's own 0700 folder, the wrapper checked right before it runs
[ -d "$dir" ] && [ ! -L "$dir" ] && [ "$(stat -c %u:%a "$dir")" = "$(id -u):700" ] ||
  { echo "error=$dir is not a private folder of $(id -un)"; exit 3; }
${checksumGuard(`${paths.dir}/sampler.sh`, SAMPLER_WRAPPER_SHA256)}
${detectCgroupCpu()}
set -- "$dir/sampler.sh" "$pidfile" "$sadc" "$interval" "$remaining" "$data" "$dir" "$now_s" "$cgroup"
${launchDetached}
i=0; while [ ! -s "$pidfile" ] && [ $i -lt $((50 + interval * 10)) ]; do sleep 0.1; i=$((i+1)); done
pid=$(cat "$pidfile" 2>/dev/null)
if [ -z "$pid" ] || [ ! -d "/proc/$pid" ]; then
  echo "error=sampler did not start: $(tail -n 3 "$dir/sampler.log" 2>/dev/null | tr '\\n' ' ')"; exit 6
fi
${recordOverhead('$pid')}
if [ "$fresh" = 1 ]; then echo "state=started"; else echo "state=restarted"; echo "reason=$reason"; fi
echo "pid=$pid"
`;
}

/** How long a stop at the window's end waits for sadc's own last sample before it kills sadc. */
export const LAST_SAMPLE_WAIT_SECONDS = 15;

/**
 * Stops the sampler (recording its final overhead first) and marks the run stopped so checks do not restart it.
 * At the window's end (its last interval, by the node's clock) sadc may still owe its last sample: it started on the
 * grid, up to an interval after the window's reckoning, and its intervals drift late on a loaded node. The stop lets
 * its count run out (bounded) rather than cut that sample; an earlier stop (a cancel) kills it at once.
 */
export function stopSamplerScript(paths: RemotePaths): string {
  return `set -u
dir=${shellQuote(paths.dir)}; data=${shellQuote(paths.data)}; pidfile=${shellQuote(paths.pidFile)}
if [ ! -d "$dir" ]; then echo "state=absent"; exit 0; fi
exec 9>"$dir/lock"
if command -v flock >/dev/null 2>&1; then flock -w 60 9 || { echo "error=lock busy"; exit 5; }; fi
${checkAlive}
if [ "$alive" = 1 ]; then
${recordOverhead('$pid')}
  interval=1; end_at=0; [ -f "$dir/run.env" ] && . "$dir/run.env"
  if [ "$(date +%s)" -ge $((end_at - interval)) ]; then
    i=0; while [ -d "/proc/$pid" ] && [ $i -lt ${LAST_SAMPLE_WAIT_SECONDS * 10} ]; do sleep 0.1; i=$((i+1)); done
  fi
  kill "$pid" 2>/dev/null
  i=0; while [ -d "/proc/$pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
  [ -d "/proc/$pid" ] && kill -9 "$pid" 2>/dev/null
  echo "state=stopped"
else
  echo "state=not-running"
fi
[ -f "$dir/stopped" ] || date +%s%3N > "$dir/stopped"
echo "stopped_ms=$(cat "$dir/stopped")"
`;
}

/**
 * Converts the sa file to JSON (CPU -u and memory -r) next to it (temp + rename, so a retry redoes it
 * cleanly), records the sampler's overhead if it still runs, and prints overhead totals and the gaps.
 */
export function prepareCollectScript(paths: RemotePaths, kit?: SysstatKitSums): string {
  return `set -u
dir=${shellQuote(paths.dir)}; data=${shellQuote(paths.data)}; pidfile=${shellQuote(paths.pidFile)}
if [ ! -f "$data" ]; then echo "error=no sa file $data (was sampling started for this run?)"; exit 4; fi
${findSysstat(kit)}
[ -n "$sadf" ] || { echo "error=sadf not found on the node"; exit 4; }
[ "$kit" = 1 ] && echo sysstat_from=uploaded || echo sysstat_from=node
${checkAlive}
if [ "$alive" = 1 ]; then ${recordOverhead('$pid').replace(/\n/g, '\n  ')}
fi
echo "running=$alive"
"$sadf" -j "$data" -- -u -r > "$dir/sadf.json.tmp" 2>"$dir/sadf.err" && mv "$dir/sadf.json.tmp" "$dir/sadf.json" ||
  { echo "error=sadf failed: $(head -c 300 "$dir/sadf.err")"; exit 5; }
echo "data_size=$(stat -c %s "$data")"
[ -f "$dir/${CGROUP_CPU_FILE}" ] && echo "cgroup_cpu=1"
echo "json_size=$(stat -c %s "$dir/sadf.json")"
echo "version=$("$sadf" -V 2>&1 | sed -n 's/.*sysstat version //p' | head -n 1)"
${printOverhead}
if [ -f "$dir/gaps.tsv" ]; then while IFS="$(printf '\\t')" read -r s e r; do echo "gap=$s $e $r"; done < "$dir/gaps.tsv"; fi
`;
}

/** Prints the recorded gaps (for the health check) and overhead totals. */
export function gapsScript(paths: RemotePaths): string {
  return `dir=${shellQuote(paths.dir)}
if [ -f "$dir/gaps.tsv" ]; then while IFS="$(printf '\\t')" read -r s e r; do echo "gap=$s $e $r"; done < "$dir/gaps.tsv"; fi
`;
}

/**
 * Stops anything left and removes the node's run folder (and the run folder when empty), and any private
 * directory of the run's tools (`<privateDirs>.*` in /var/tmp, the SSH user's own) a killed worker left.
 */
export function cleanupScript(paths: RemotePaths, privateDirs?: string): string {
  const sweep = privateDirs
    ? `find /var/tmp -maxdepth 1 -type d -user "$(id -u)" -name ${shellQuote(`${privateDirs}.*`)} -exec rm -rf -- {} + 2>/dev/null
`
    : '';
  return `set -u
${sweep}dir=${shellQuote(paths.dir)}; data=${shellQuote(paths.data)}; pidfile=${shellQuote(paths.pidFile)}
if [ ! -d "$dir" ]; then echo "state=absent"; exit 0; fi
${checkAlive}
if [ "$alive" = 1 ]; then kill -9 "$pid" 2>/dev/null; echo "killed=$pid"; fi
rm -rf "$dir"
rmdir ${shellQuote(paths.runDir)} 2>/dev/null
echo "state=removed"
`;
}
