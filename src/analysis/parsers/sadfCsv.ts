import type { CpuSample, MemorySample } from '../../domain/samples';
import {
  type CpuField,
  CPU_FIELDS,
  cpuColumnIndexes,
  cpuSample,
  epochMs,
  memorySample,
  type ParseOptions,
  type ParsedSysstat,
  readNumber,
} from './common';
import { SysstatParseError } from './sysstatParseError';

// sadf prints "2026-11-27 00:00:13 UTC"; with -t the file's local time without a zone; -U/-p print epoch seconds.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})( UTC)?$/;
const FIXED = ['hostname', 'interval', 'timestamp'];

interface Section {
  kind: 'cpu' | 'memory' | 'other';
  columns: string[];
  headerLine: number;
  cpu?: Record<CpuField, number>;
  cpuIdColumn?: number;
  memUsed?: number;
}

/** Parses `sadf -d` output: `# hostname;interval;timestamp;…` header lines, then semicolon-separated rows. */
export function parseSadfCsv(text: string, opts: ParseOptions): ParsedSysstat {
  const offsetMs = (opts.utcOffsetMinutes ?? 0) * 60_000;
  const lines = text.split('\n');
  const cpu: CpuSample[] = [];
  const memory: MemorySample[] = [];
  const restarts = new Set<number>();
  let host: string | undefined;
  let section: Section | undefined;

  const fail = (index: number, expected: string): never => {
    throw new SysstatParseError(opts.file, index + 1, expected, lines[index]!.replace(/\r$/, ''));
  };
  const timeOf = (index: number, token: string): number => {
    const m = TIMESTAMP.exec(token);
    if (m) {
      const [, y, mo, d, h, mi, s, utc] = m;
      const time = epochMs(+y!, +mo!, +d!, +h!, +mi!, +s!) - (utc ? 0 : offsetMs);
      if (Number.isNaN(time) || +mo! < 1 || +mo! > 12 || +h! > 23 || +mi! > 59 || +s! > 60) {
        fail(index, 'a valid timestamp');
      }
      return time;
    }
    if (/^\d{9,11}$/.test(token)) return Number(token) * 1000;
    return fail(index, "a timestamp 'YYYY-MM-DD HH:MM:SS UTC' or epoch seconds in the third field");
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const columns = line.replace(/^#\s*/, '').split(';');
      if (FIXED.some((name, k) => columns[k] !== name) || columns.length < 4) {
        fail(i, "a sadf -d header '# hostname;interval;timestamp;<columns>'");
      }
      const metrics = columns.slice(3);
      const cpuIndexes = cpuColumnIndexes(metrics);
      const memUsed = metrics.indexOf('%memused');
      section =
        typeof cpuIndexes !== 'string'
          ? { kind: 'cpu', columns, headerLine: i + 1, cpu: cpuIndexes, cpuIdColumn: metrics.indexOf('CPU') }
          : memUsed >= 0
            ? { kind: 'memory', columns, headerLine: i + 1, memUsed }
            : { kind: 'other', columns, headerLine: i + 1 };
      continue;
    }
    const fields = line.split(';');
    if (fields.length < 4) fail(i, "a row 'hostname;interval;timestamp;…' with at least four fields");
    const time = timeOf(i, fields[2]!);
    host ??= fields[0];
    const first = fields[3]!;
    if (first.startsWith('LINUX-RESTART')) {
      restarts.add(time);
      continue;
    }
    if (first.startsWith('COM ')) continue; // a comment record (sadc -C)
    if (!section) fail(i, "a '# hostname;interval;timestamp;…' header before the first row");
    if (fields.length !== section!.columns.length) {
      fail(i, `${section!.columns.length} fields as in the header on line ${section!.headerLine}`);
    }
    if (readNumber(fields[1]!) === undefined) fail(i, 'the interval in seconds in the second field');
    if (section!.kind === 'other') continue;

    const values = fields.slice(3);
    const numbers: number[] = new Array(values.length);
    for (let c = 0; c < values.length; c++) {
      const n = readNumber(values[c]!);
      if (n === undefined) fail(i, `a number in field ${section!.columns[c + 3]}`);
      numbers[c] = n!;
    }
    if (section!.kind === 'cpu') {
      // sadf -d numbers CPUs from 0 and writes the all-CPU row as -1.
      if (section!.cpuIdColumn! >= 0 && numbers[section!.cpuIdColumn!] !== -1) continue;
      const picked = {} as Record<CpuField, number>;
      for (const field of CPU_FIELDS) picked[field] = numbers[section!.cpu![field]]!;
      cpu.push(cpuSample(time, picked));
    } else {
      const named: Record<string, number> = {};
      for (let c = 0; c < values.length; c++) if (c !== section!.memUsed) named[section!.columns[c + 3]!] = numbers[c]!;
      memory.push(memorySample(time, numbers[section!.memUsed!]!, named));
    }
  }
  return {
    format: 'sadf-csv',
    ...(host !== undefined ? { host } : {}),
    cpu,
    memory,
    restarts: [...restarts].sort((a, b) => a - b),
    emptyRecords: 0,
  };
}
