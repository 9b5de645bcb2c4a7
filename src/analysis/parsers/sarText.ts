import type { CpuSample, MemorySample } from '../../domain/samples';
import {
  DAY_MS,
  type CpuField,
  CPU_FIELDS,
  cpuColumnIndexes,
  cpuSample,
  memorySample,
  type ParseOptions,
  type ParsedSysstat,
  readNumber,
} from './common';
import { SysstatParseError } from './errors';

// "Linux 6.1.0-18-amd64 (node-1) 	05/12/21 	_x86_64_	(2 CPU)"
const HEADER = /^(\S+)\s+(\S+)\s+\(([^)]*)\)\s+(\S+)(?:\s|$)/;
const TIME = /^(\d{1,2}):(\d{2}):(\d{2})$/;
const AM_PM = /^(AM|PM)$/i;

type SectionKind = 'cpu' | 'memory' | 'other';
interface Section {
  kind: SectionKind;
  columns: string[];
  headerLine: number;
  cpu?: Record<CpuField, number>;
  cpuIdColumn?: number;
  memUsed?: number;
}
interface Clock {
  lastSecondOfDay: number;
  dayOffset: number;
}

/** A header date as sar prints it: ISO (S_TIME_FORMAT=ISO), MM/DD/YY[YY] (C, en_US), DD.MM.YYYY (de_DE), DD/MM/YYYY when unambiguous. */
export function parseHeaderDate(token: string): { year: number; month: number; day: number } | undefined {
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(token);
  if (m) return validDate(+m[1]!, +m[2]!, +m[3]!);
  m = /^(\d{2})\/(\d{2})\/(\d{2}|\d{4})$/.exec(token);
  if (m) {
    const a = +m[1]!;
    const b = +m[2]!;
    const year = fullYear(m[3]!);
    // sar's own C and en_US output is month first; a first field over 12 can only be a day (en_GB and the like).
    return a > 12 ? validDate(year, b, a) : validDate(year, a, b);
  }
  m = /^(\d{2})\.(\d{2})\.(\d{2}|\d{4})$/.exec(token);
  if (m) return validDate(fullYear(m[3]!), +m[2]!, +m[1]!);
  return undefined;
}

function fullYear(text: string): number {
  return text.length === 2 ? 2000 + Number(text) : Number(text);
}

function validDate(year: number, month: number, day: number) {
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  return { year, month, day };
}

function sectionFor(columns: string[], line: number): Section {
  const cpu = cpuColumnIndexes(columns);
  if (typeof cpu !== 'string') {
    const cpuIdColumn = columns.indexOf('CPU');
    return { kind: 'cpu', columns, headerLine: line, cpu, ...(cpuIdColumn >= 0 ? { cpuIdColumn } : {}) };
  }
  const memUsed = columns.indexOf('%memused');
  if (memUsed >= 0) return { kind: 'memory', columns, headerLine: line, memUsed };
  return { kind: 'other', columns, headerLine: line };
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
  let clocks = new Map<SectionKind, Clock>();

  const fail = (index: number, expected: string): never => {
    throw new SysstatParseError(opts.file, index + 1, expected, lines[index]!.replace(/\r$/, ''));
  };

  // Seconds since the header's midnight, moving to the next day when the clock goes backwards.
  const timeAt = (kind: SectionKind, secondOfDay: number): number => {
    let clock = clocks.get(kind);
    if (!clock) {
      clock = { lastSecondOfDay: secondOfDay, dayOffset: 0 };
      clocks.set(kind, clock);
    } else if (secondOfDay < clock.lastSecondOfDay) {
      clock.dayOffset += 1;
    }
    clock.lastSecondOfDay = secondOfDay;
    return dayStartMs! + clock.dayOffset * DAY_MS + secondOfDay * 1000;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const tokens = line.split(/\s+/);
    const timeMatch = TIME.exec(tokens[0]!);

    if (!timeMatch) {
      if (tokens[0]!.endsWith(':')) {
        // "Average:" (or its translation) rows summarise a section; the samples themselves are what count.
        if (!section) fail(i, 'a column header line before a summary row');
        continue;
      }
      const header = HEADER.exec(line);
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
    let hour = Number(timeMatch[1]);
    const minute = Number(timeMatch[2]);
    const second = Number(timeMatch[3]);
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
      restarts.add(timeAt(section?.kind ?? 'other', secondOfDay));
      continue;
    }
    if (first === 'COM') continue; // a comment record (sadc -C)
    if (first === undefined) fail(i, 'columns or values after the time');

    const values = tokens.slice(rest);
    const isColumnHeader = first !== 'all' && values.every((v) => readNumber(v) === undefined);
    if (isColumnHeader) {
      section = sectionFor(values, i + 1);
      timeAt(section.kind, secondOfDay);
      continue;
    }
    if (!section) fail(i, 'a column header line (e.g. "CPU %user …" or "kbmemfree …") before the first data row');
    if (values.length !== section!.columns.length) {
      fail(i, `${section!.columns.length} values as in the column header on line ${section!.headerLine}`);
    }
    const time = timeAt(section!.kind, secondOfDay);
    if (section!.kind === 'other') continue;

    const numbers: number[] = new Array(values.length);
    for (let c = 0; c < values.length; c++) {
      if (c === section!.cpuIdColumn) continue;
      const n = readNumber(values[c]!);
      if (n === undefined) fail(i, `a number in column ${section!.columns[c]}`);
      numbers[c] = n!;
    }
    if (section!.kind === 'cpu') {
      const id = section!.cpuIdColumn === undefined ? 'all' : values[section!.cpuIdColumn];
      if (id !== 'all') {
        if (readNumber(id!) === undefined) fail(i, "a CPU number or 'all' in column CPU");
        continue; // per-CPU rows (-P ALL): the thesis used the all-CPU row
      }
      const picked = {} as Record<CpuField, number>;
      for (const field of CPU_FIELDS) picked[field] = numbers[section!.cpu![field]]!;
      cpu.push(cpuSample(time, picked));
    } else {
      const fields: Record<string, number> = {};
      for (let c = 0; c < values.length; c++) if (c !== section!.memUsed) fields[section!.columns[c]!] = numbers[c]!;
      memory.push(memorySample(time, numbers[section!.memUsed!]!, fields));
    }
  }

  return {
    format: 'sar-text',
    ...(host !== undefined ? { host } : {}),
    cpu,
    memory,
    restarts: [...restarts].sort((a, b) => a - b),
  };
}
