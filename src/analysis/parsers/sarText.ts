import type { CpuSample, MemorySample } from '../../domain/samples';
import {
  DAY_MS,
  type CpuField,
  cpuColumnIndexes,
  type ParseOptions,
  type ParsedSysstat,
  readNumber,
} from './common';
import { SysstatParseError } from './sysstatParseError';
import { clockSeconds, parseHeaderDate, scanDataRow, tokenize } from './sarLine';

// "Linux 6.1.0-18-amd64 (node-1) 	05/12/21 	_x86_64_	(2 CPU)"
const HEADER = /^(\S+)\s+(\S+)\s+\(([^)]*)\)\s+(\S+)(?:\s|$)/;
const AM_PM = /^(AM|PM)$/i;

type SectionKind = 'cpu' | 'memory' | 'other';
interface Section {
  kind: SectionKind;
  /** The column header, which identifies the activity across restarts. */
  key: string;
  columns: string[];
  headerLine: number;
  cpu?: Record<CpuField, number>;
  cpuIdColumn?: number;
  memUsed?: number;
  memTemplate?: Record<string, number>;
}
interface Clock {
  lastSecondOfDay: number;
  dayOffset: number;
}

function sectionFor(columns: string[], line: number): Section {
  const key = columns.join(' ');
  const cpu = cpuColumnIndexes(columns);
  if (typeof cpu !== 'string') {
    const cpuIdColumn = columns.indexOf('CPU');
    return { kind: 'cpu', key, columns, headerLine: line, cpu, ...(cpuIdColumn >= 0 ? { cpuIdColumn } : {}) };
  }
  const memUsed = columns.indexOf('%memused');
  if (memUsed >= 0) {
    const memTemplate = Object.fromEntries(columns.filter((_, c) => c !== memUsed).map((name) => [name, 0]));
    return { kind: 'memory', key, columns, headerLine: line, memUsed, memTemplate };
  }
  return { kind: 'other', key, columns, headerLine: line };
}

/**
 * Parses `sar` text output (`sar -u`, `sar -r`, both, `-u ALL`, `-P ALL`; several runs concatenated).
 * The date comes from each "Linux … (host) DATE" header; a clock that goes backwards within a section
 * means the next day. Times without a zone are read at `utcOffsetMinutes` (default UTC).
 */
export function parseSarText(text: string, opts: ParseOptions): ParsedSysstat {
  const offsetMs = (opts.utcOffsetMinutes ?? 0) * 60_000;
  const lines = text.split('\n');
  const cpu: CpuSample[] = [];
  const memory: MemorySample[] = [];
  const restarts = new Set<number>();
  let host: string | undefined;
  let dayStartMs: number | undefined;
  let section: Section | undefined;
  // One clock per column header: `sar -A` prints every activity over the same span in turn, so a section that
  // starts earlier than the one before is another activity, not the next day. A restart reprints the header.
  let clocks = new Map<string, Clock>();

  const fail = (index: number, expected: string): never => {
    throw new SysstatParseError(opts.file, index + 1, expected, lines[index]!.replace(/\r$/, ''));
  };

  // Seconds since the header's midnight, moving to the next day when the clock goes backwards.
  const timeAt = (key: string, secondOfDay: number): number => {
    let clock = clocks.get(key);
    if (!clock) {
      clock = { lastSecondOfDay: secondOfDay, dayOffset: 0 };
      clocks.set(key, clock);
    } else if (secondOfDay < clock.lastSecondOfDay) {
      clock.dayOffset += 1;
    }
    clock.lastSecondOfDay = secondOfDay;
    return dayStartMs! + clock.dayOffset * DAY_MS + secondOfDay * 1000;
  };

  const pushCpu = (at: Record<CpuField, number>, time: number, get: (c: number) => number) => {
    const idle = get(at.idle);
    // The thesis's CPU used: 100 − %idle exactly as R computes it, never rounded.
    cpu.push({
      time,
      used: 100 - idle,
      user: get(at.user),
      nice: get(at.nice),
      system: get(at.system),
      iowait: get(at.iowait),
      steal: get(at.steal),
      idle,
    });
  };
  const pushMemory = (s: Section, time: number, get: (c: number) => number) => {
    // Copying a template keeps every sample's fields object in one fast shape.
    const fields: Record<string, number> = { ...s.memTemplate };
    for (let c = 0; c < s.columns.length; c++) if (c !== s.memUsed) fields[s.columns[c]!] = get(c);
    memory.push({ time, memUsedPercent: get(s.memUsed!), fields });
  };
  let scratch = new Float64Array(32);
  const fromScratch = (c: number) => scratch[c]!;

  for (let i = 0; i < lines.length; i++) {
    if (section && section.kind !== 'other') {
      if (scratch.length < section.columns.length) scratch = new Float64Array(section.columns.length);
      const fast = scanDataRow(lines[i]!, section.columns.length, section.cpuIdColumn ?? -1, scratch);
      if (fast >= 0) {
        const time = timeAt(section.key, fast);
        if (section.kind === 'cpu') pushCpu(section.cpu!, time, fromScratch);
        else pushMemory(section, time, fromScratch);
        continue;
      }
    }
    const tokens = tokenize(lines[i]!);
    if (tokens.length === 0) continue;
    const clock = clockSeconds(tokens[0]!);

    if (clock === undefined) {
      if (tokens[0]!.endsWith(':')) {
        // "Average:" (or its translation) rows summarise a section; the samples themselves are what count.
        if (!section) fail(i, 'a column header line before a summary row');
        continue;
      }
      const header = HEADER.exec(lines[i]!.trim());
      if (!header) {
        fail(i, "a sar header 'Linux <release> (<host>) <date> …', a timed row or an 'Average:' row");
      }
      const date = parseHeaderDate(header![4]!);
      if (!date) fail(i, 'a date (YYYY-MM-DD, MM/DD/YY, MM/DD/YYYY or DD.MM.YYYY) in the sar header');
      host ??= header![3]!;
      dayStartMs = Date.UTC(date!.year, date!.month - 1, date!.day) - offsetMs;
      section = undefined;
      clocks = new Map();
      continue;
    }

    if (dayStartMs === undefined) fail(i, "the sar header 'Linux <release> (<host>) <date> …' before the first timed row");
    let hour = Math.floor(clock / 3600);
    const minute = Math.floor((clock % 3600) / 60);
    const second = clock % 60;
    let rest = 1;
    const amPm = tokens[1] !== undefined ? AM_PM.exec(tokens[1]) : null;
    if (amPm) {
      if (hour < 1 || hour > 12) fail(i, 'a 12-hour clock time (01–12) before AM/PM');
      hour = (hour % 12) + (amPm[1]!.toUpperCase() === 'PM' ? 12 : 0);
      rest = 2;
    }
    if (hour > 23 || minute > 59 || second > 60) fail(i, 'a valid time of day');
    const secondOfDay = hour * 3600 + minute * 60 + second;
    const first = tokens[rest];

    if (first === 'LINUX' && tokens[rest + 1] === 'RESTART') {
      restarts.add(timeAt(section?.key ?? '', secondOfDay));
      continue;
    }
    if (first === 'COM') continue; // a comment record (sadc -C)
    if (first === undefined) fail(i, 'columns or values after the time');

    const values = rest === 1 ? (tokens.shift(), tokens) : tokens.slice(rest);
    const isColumnHeader = first !== 'all' && readNumber(first!) === undefined && values.every((v) => readNumber(v) === undefined);
    if (isColumnHeader) {
      section = sectionFor(values, i + 1);
      timeAt(section.key, secondOfDay);
      continue;
    }
    if (!section) fail(i, 'a column header line (e.g. "CPU %user …" or "kbmemfree …") before the first data row');
    if (values.length !== section!.columns.length) {
      fail(i, `${section!.columns.length} values as in the column header on line ${section!.headerLine}`);
    }
    const time = timeAt(section!.key, secondOfDay);
    if (section!.kind === 'other') continue;

    const numbers: number[] = [];
    for (let c = 0; c < values.length; c++) {
      if (c === section!.cpuIdColumn) {
        numbers.push(0);
        continue;
      }
      const n = readNumber(values[c]!);
      if (n === undefined) fail(i, `a number in column ${section!.columns[c]}`);
      numbers.push(n!);
    }
    if (section!.kind === 'cpu') {
      const id = section!.cpuIdColumn === undefined ? 'all' : values[section!.cpuIdColumn];
      if (id !== 'all') {
        if (readNumber(id!) === undefined) fail(i, "a CPU number or 'all' in column CPU");
        continue; // per-CPU rows (-P ALL): the thesis used the all-CPU row
      }
      pushCpu(section!.cpu!, time, (c) => numbers[c]!);
    } else {
      pushMemory(section!, time, (c) => numbers[c]!);
    }
  }

  return {
    format: 'sar-text',
    ...(host !== undefined ? { host } : {}),
    cpu,
    memory,
    restarts: [...restarts].sort((a, b) => a - b),
    emptyRecords: 0,
  };
}
