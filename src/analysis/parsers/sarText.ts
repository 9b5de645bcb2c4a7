import type { CpuSample, MemorySample } from '../../domain/samples';
import {
  DAY_MS,
  type CpuField,
  cpuColumnIndexes,
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

/** Whitespace-separated tokens of a line (a hand loop: split(/\s+/) dominated parsing time). */
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(line.charCodeAt(i))) i++;
    tokens.push(line.slice(start, i));
  }
  return tokens;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 11 || code === 12;
}

/** Seconds of the day of an HH:MM:SS token, or undefined when it is not one. */
function clockSeconds(token: string): number | undefined {
  if (token.length === 8 && token.charCodeAt(2) === 58 && token.charCodeAt(5) === 58) {
    const h = twoDigits(token, 0);
    const m = twoDigits(token, 3);
    const s = twoDigits(token, 6);
    if (h < 0 || m < 0 || s < 0) return undefined;
    return h * 3600 + m * 60 + s;
  }
  const match = TIME.exec(token);
  return match ? Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]) : undefined;
}

function twoDigits(token: string, at: number): number {
  const a = token.charCodeAt(at) - 48;
  const b = token.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The fast path for the bulk of a file, a data row of the current CPU or memory section ("HH:MM:SS [AM|PM]
 * [all] n n …"): writes the values into `out` by column and returns the second of the day, or -1 for anything
 * else (headers, restarts, per-CPU rows, odd numbers, errors), which the general path then reads or rejects.
 * A number is parsed as an exact integer over a power of ten, one correctly rounded division: the same
 * double as Number(text) and R's strtod.
 */
function scanDataRow(line: string, columns: number, cpuIdColumn: number, out: Float64Array): number {
  const n = line.length;
  let i = 0;
  while (i < n && isSpace(line.charCodeAt(i))) i++;
  if (i + 8 > n || line.charCodeAt(i + 2) !== 58 || line.charCodeAt(i + 5) !== 58) return -1;
  let hour = twoDigits(line, i);
  const minute = twoDigits(line, i + 3);
  const second = twoDigits(line, i + 6);
  i += 8;
  if (hour < 0 || minute < 0 || minute > 59 || second < 0 || second > 60 || (i < n && !isSpace(line.charCodeAt(i)))) return -1;
  while (i < n && isSpace(line.charCodeAt(i))) i++;
  const a = line.charCodeAt(i);
  if ((a === 65 || a === 80) && line.charCodeAt(i + 1) === 77 && (i + 2 >= n || isSpace(line.charCodeAt(i + 2)))) {
    if (hour < 1 || hour > 12) return -1;
    hour = (hour % 12) + (a === 80 ? 12 : 0);
    i += 2;
  }
  if (hour > 23) return -1;
  for (let c = 0; c < columns; c++) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) return -1;
    if (c === cpuIdColumn) {
      if (line.charCodeAt(i) !== 97 || line.charCodeAt(i + 1) !== 108 || line.charCodeAt(i + 2) !== 108) return -1; // "all"
      i += 3;
      if (i < n && !isSpace(line.charCodeAt(i))) return -1;
      out[c] = 0;
      continue;
    }
    const negative = line.charCodeAt(i) === 45;
    if (negative) i++;
    let mantissa = 0;
    let digits = 0;
    let fraction = 0;
    let code = line.charCodeAt(i);
    while (code >= 48 && code <= 57) {
      mantissa = mantissa * 10 + (code - 48);
      digits++;
      code = line.charCodeAt(++i);
    }
    if (digits === 0) return -1;
    if (code === 46 || code === 44) {
      code = line.charCodeAt(++i);
      while (code >= 48 && code <= 57) {
        mantissa = mantissa * 10 + (code - 48);
        fraction++;
        code = line.charCodeAt(++i);
      }
      if (fraction === 0) return -1;
    }
    if (digits + fraction > 15 || (i < n && !isSpace(code))) return -1;
    const value = mantissa / POW10[fraction]!;
    out[c] = negative ? -value : value;
  }
  while (i < n && isSpace(line.charCodeAt(i))) i++;
  return i === n ? hour * 3600 + minute * 60 + second : -1;
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
