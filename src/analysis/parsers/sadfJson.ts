import type { CpuSample, MemorySample } from '../../domain/samples';
import { type CpuField, CPU_FIELDS, cpuSample, epochMs, memorySample, type ParseOptions, type ParsedSysstat } from './common';
import { SysstatParseError } from './sysstatParseError';

// sadf -j names (plain -u and -u ALL) for the CpuSample fields.
const JSON_CPU: Record<CpuField, readonly string[]> = {
  user: ['user', 'usr'],
  nice: ['nice'],
  system: ['system', 'sys'],
  iowait: ['iowait'],
  steal: ['steal'],
  idle: ['idle'],
};
// sadf -j memory names to the column names sar and sadf -d print, so every format yields the same fields.
const MEMORY_NAMES: Record<string, string> = {
  memfree: 'kbmemfree',
  avail: 'kbavail',
  memused: 'kbmemused',
  buffers: 'kbbuffers',
  cached: 'kbcached',
  commit: 'kbcommit',
  'commit-percent': '%commit',
  active: 'kbactive',
  inactive: 'kbinact',
  dirty: 'kbdirty',
  anonpg: 'kbanonpg',
  slab: 'kbslab',
  kstack: 'kbkstack',
  pgtbl: 'kbpgtbl',
  vmused: 'kbvmused',
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Line of the n-th (0-based) occurrence of `needle`, to point errors at the offending statistics entry. */
function lineOfOccurrence(text: string, needle: string, n: number): number {
  let at = -1;
  for (let k = 0; k <= n; k++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) return 1;
  }
  return lineAt(text, at);
}

function lineAt(text: string, position: number): number {
  let line = 1;
  for (let k = 0; k < position && k < text.length; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

/** Parses `sadf -j` output (`-- -u`, `-- -r` or both in one document). */
export function parseSadfJson(text: string, opts: ParseOptions): ParsedSysstat {
  const offsetMs = (opts.utcOffsetMinutes ?? 0) * 60_000;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec(String(error));
    const line = position ? lineAt(text, Number(position[1])) : /line (\d+)/.exec(String(error))?.[1];
    throw new SysstatParseError(opts.file, Number(line ?? 1), 'well-formed sadf -j JSON', (error as Error).message);
  }
  const hosts = isObject(doc) && isObject(doc.sysstat) ? doc.sysstat.hosts : undefined;
  if (!Array.isArray(hosts) || hosts.length === 0) {
    throw new SysstatParseError(opts.file, 1, 'a sadf -j document {"sysstat": {"hosts": [ … ]}}');
  }
  const cpu: CpuSample[] = [];
  const memory: MemorySample[] = [];
  const restarts: number[] = [];
  let host: string | undefined;
  let entryIndex = 0; // counts "timestamp" keys across hosts, for line numbers
  let emptyRecords = 0;

  const timeOf = (stamp: unknown, line: () => number): number => {
    if (!isObject(stamp) || typeof stamp.date !== 'string' || typeof stamp.time !== 'string') {
      throw new SysstatParseError(opts.file, line(), 'a timestamp {"date": "YYYY-MM-DD", "time": "HH:MM:SS", …}');
    }
    const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(stamp.date);
    const t = /^(\d{2}):(\d{2}):(\d{2})$/.exec(stamp.time);
    if (!d || !t || +d[2]! > 12 || +t[1]! > 23 || +t[2]! > 59) {
      throw new SysstatParseError(opts.file, line(), 'a date YYYY-MM-DD and a time HH:MM:SS', `${stamp.date} ${stamp.time}`);
    }
    const local = stamp.utc === 0;
    return epochMs(+d[1]!, +d[2]!, +d[3]!, +t[1]!, +t[2]!, +t[3]!) - (local ? offsetMs : 0);
  };

  for (const h of hosts) {
    if (!isObject(h) || !Array.isArray(h.statistics)) {
      throw new SysstatParseError(opts.file, lineOfOccurrence(text, '"nodename"', 0), 'a host with a "statistics" array');
    }
    if (typeof h.nodename === 'string') host ??= h.nodename;
    for (const entry of h.statistics) {
      // sadf -j with -s/-e (a time window) closes the array with an empty record: nothing to read, nothing wrong.
      if (isObject(entry) && Object.keys(entry).length === 0) {
        emptyRecords++;
        continue;
      }
      const index = entryIndex++;
      const line = () => lineOfOccurrence(text, '"timestamp"', index);
      if (!isObject(entry)) throw new SysstatParseError(opts.file, line(), 'a statistics entry object');
      const time = timeOf(entry.timestamp, line);
      if (entry['cpu-load'] !== undefined) {
        const loads = entry['cpu-load'];
        if (!Array.isArray(loads)) throw new SysstatParseError(opts.file, line(), 'a "cpu-load" array');
        const all = loads.find((l) => isObject(l) && l.cpu === 'all');
        if (all !== undefined) {
          const picked = {} as Record<CpuField, number>;
          for (const field of CPU_FIELDS) {
            const value = JSON_CPU[field].map((name) => (all as Json)[name]).find((v) => v !== undefined);
            if (typeof value !== 'number') {
              throw new SysstatParseError(opts.file, line(), `a number for "${JSON_CPU[field][0]}" in the all-CPU "cpu-load" entry`);
            }
            picked[field] = value;
          }
          cpu.push(cpuSample(time, picked));
        }
      }
      if (entry.memory !== undefined) {
        const mem = entry.memory;
        if (!isObject(mem) || typeof mem['memused-percent'] !== 'number') {
          throw new SysstatParseError(opts.file, line(), 'a "memory" object with a number "memused-percent"');
        }
        const fields: Record<string, number> = {};
        for (const [name, value] of Object.entries(mem)) {
          if (name === 'memused-percent') continue;
          if (typeof value !== 'number') throw new SysstatParseError(opts.file, line(), `a number for memory "${name}"`);
          fields[MEMORY_NAMES[name] ?? name] = value;
        }
        memory.push(memorySample(time, mem['memused-percent'], fields));
      }
    }
    if (h.restarts !== undefined) {
      if (!Array.isArray(h.restarts)) throw new SysstatParseError(opts.file, lineOfOccurrence(text, '"restarts"', 0), 'a "restarts" array');
      for (const r of h.restarts) {
        const line = () => lineOfOccurrence(text, '"restarts"', 0);
        if (!isObject(r)) throw new SysstatParseError(opts.file, line(), 'a restart entry {"boot": {…}}');
        restarts.push(timeOf(r.boot, line));
      }
    }
  }
  return {
    format: 'sadf-json',
    ...(host !== undefined ? { host } : {}),
    cpu,
    memory,
    restarts: [...new Set(restarts)].sort((a, b) => a - b),
    emptyRecords,
  };
}
