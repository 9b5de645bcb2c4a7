/**
 * The second CPU source: the node's own cgroup, for nodes whose /proc/stat (and so sar) is not their own.
 * lxcfs takes a container's CPU use only from the v1 cpuacct controller (lxc/lxcfs#593), so a system container
 * on a cgroup v2 host reads the host's /proc/stat through lxcfs. There the sampler also reads the node's cgroup
 * (`cpu.stat` usage_usec) at each interval beside sadc; the collected series is its CPU % instead of sar's.
 */
import type { CpuSample } from '../domain/samples';
import { LineError } from '../analysis/load/lineError';
import { shellQuote } from '../ssh/shell';

/** The reader's file in the node's run folder. */
export const CGROUP_CPU_FILE = 'cgroup-cpu.tsv';

/**
 * The exact test, in the node: its /sys/fs/cgroup is the unified hierarchy (cgroup2fs, so no v1 cpuacct for lxcfs
 * to read), it has a cpu.stat with usage_usec, and its /proc/stat is mounted from lxcfs (a container: a machine's own
 * /proc/stat is its own on v2 too). Sets $cgroup to the folder the wrapper reads (empty: sar only) and prints it.
 * The paths are parameters for the tests only.
 */
export function detectCgroupCpu(root = '/sys/fs/cgroup', mountinfo = '/proc/self/mountinfo'): string {
  const [dir, mounts] = [shellQuote(root), shellQuote(mountinfo)];
  return `cgroup=""
if [ "$(stat -fc %T ${dir} 2>/dev/null)" = cgroup2fs ] && grep -qs '^usage_usec ' ${dir}/cpu.stat &&
  grep -w /proc/stat ${mounts} 2>/dev/null | grep -q lxcfs; then cgroup=${dir}; fi
if [ -n "$cgroup" ]; then echo "cpu_source=cgroup"; else echo "cpu_source=sar"; fi`;
}

/**
 * The wrapper's reader (sadc's pid in $s, interval $3, run folder $6, cgroup folder $8): a `limit` line per
 * incarnation (cpu.max's quota and period, the CPUs the node may run on, the interval), then per interval the epoch
 * ms and cpu.stat's usage, user and system µs, on sadc's grid (it started on it) without drift. Builtins but date.
 */
export const CGROUP_CPU_READER = `if [ -n "$8" ]; then (
  trap '[ -n "$w" ] && kill "$w" 2>/dev/null; exit 0' TERM
  w=""; q=max; p=100000; read q p 2>/dev/null < "$8/cpu.max"
  echo "limit $q $p $(nproc 2>/dev/null || echo 1) $3" >> "$6/${CGROUP_CPU_FILE}"
  t0=""; step=$(($3 * 1000000000))
  while [ -d "/proc/$s" ]; do
    u=""; us=""; sy=""
    while read k v; do case "$k" in usage_usec) u=$v;; user_usec) us=$v;; system_usec) sy=$v;; esac; done < "$8/cpu.stat"
    n=$(date +%s%N); case "$n" in ''|*[!0-9]*) n=$(($(date +%s) * 1000000000));; esac
    [ -n "$t0" ] || t0=$n
    [ -n "$u" ] && echo "$((n / 1000000)) $u \${us:-0} \${sy:-0}" >> "$6/${CGROUP_CPU_FILE}"
    z=$((step - (n - t0) % step))
    sleep "$((z / 1000000000)).$(printf %09d $((z % 1000000000)))" & w=$!; wait "$w"; w=""
  done
) </dev/null >/dev/null 2>&1 & c=$!; fi`;

interface Reading {
  time: number;
  usage: number;
  user: number;
  system: number;
}

export interface CgroupCpuSeries {
  /** CPU % of the node's CPUs (cpu.max's quota, or the CPUs it may run on when unlimited), as sar's fields. */
  samples: CpuSample[];
  /** The CPUs each incarnation counted as 100 %, and where that came from. */
  limits: { cpus: number; from: 'cpu.max' | 'cpuset' }[];
  /** Intervals left out: the counter went back (a new cgroup: the node restarted) or the clock did. */
  resets: number;
}

const INT = /^\d+$/;

/**
 * Reads the reader's file: each pair of consecutive readings of one incarnation is a sample at the later time,
 * over the time between them (a missing reading makes the next sample span both intervals, as sadc's would).
 * A new `limit` line starts an incarnation: no sample spans a sampler restart. Bad lines name the file and line.
 */
export function parseCgroupCpu(text: string, file: string): CgroupCpuSeries {
  const samples: CpuSample[] = [];
  const limits: CgroupCpuSeries['limits'] = [];
  let cpus: number | undefined;
  let previous: Reading | undefined;
  let resets = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const fail = (detail: string): never => {
      throw new LineError(file, index + 1, `${detail}, found ${JSON.stringify(line.slice(0, 80))}`);
    };
    const fields = line.split(/\s+/);
    if (fields[0] === 'limit') {
      const [, quota, period, online, interval] = fields;
      const valid = fields.length === 5 && [period, online, interval].every((f) => INT.test(f!) && Number(f) > 0);
      if (!valid || !(quota === 'max' || INT.test(quota!))) fail('expected "limit <quota|max> <period> <cpus> <interval>"');
      const byQuota = quota === 'max' ? undefined : Number(quota) / Number(period);
      cpus = byQuota ?? Number(online);
      limits.push({ cpus, from: byQuota === undefined ? 'cpuset' : 'cpu.max' });
      previous = undefined;
      return;
    }
    if (fields.length !== 4 || !fields.every((f) => INT.test(f))) fail('expected "<epoch ms> <usage µs> <user µs> <system µs>"');
    if (cpus === undefined) fail('a reading before any "limit" line');
    const [time, usage, user, system] = fields.map(Number) as [number, number, number, number];
    const reading = { time, usage, user, system };
    if (previous && (usage < previous.usage || time <= previous.time)) resets++;
    else if (previous) samples.push(sampleBetween(previous, reading, cpus!));
    previous = reading;
  });
  return { samples, limits, resets };
}

function sampleBetween(from: Reading, to: Reading, cpus: number): CpuSample {
  const percent = (deltaMicros: number) => (deltaMicros / ((to.time - from.time) * 1000 * cpus)) * 100;
  const used = percent(to.usage - from.usage);
  const user = Math.max(0, percent(to.user - from.user));
  const system = Math.max(0, percent(to.system - from.system));
  return { time: to.time, used, user, nice: 0, system, iowait: 0, steal: 0, idle: 100 - used };
}
