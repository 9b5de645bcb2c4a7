import type { CpuSample, MemorySample, SysstatFormat } from '../../domain/samples';

export interface ParsedSysstat {
  format: SysstatFormat;
  /** Node name from the file's header, when the format carries one. */
  host?: string;
  cpu: CpuSample[];
  memory: MemorySample[];
  /** Epoch ms of each LINUX RESTART mark (sampler restarted, e.g. after a reboot). */
  restarts: number[];
  /** Records with no data that were skipped: `sadf -j -s/-e` ends its statistics with an empty `{}`. */
  emptyRecords: number;
}

export interface ParseOptions {
  /** Shown in errors. */
  file: string;
  /**
   * Offset of the wall clock that printed sar text (which carries no zone) from UTC, in minutes; default 0.
   * sadf -d/-j print UTC themselves and ignore it unless a timestamp says it is local.
   */
  utcOffsetMinutes?: number;
}

/**
 * A sysstat number (-?digits with an optional fraction); a decimal comma (sar/sadf under e.g. de_DE) reads like
 * a point. Undefined when not such a number. A hand scan: this runs for every value of a 24-hour file.
 */
export function readNumber(token: string): number | undefined {
  const n = token.length;
  let i = token.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const digitsStart = i;
  while (i < n && isDigit(token.charCodeAt(i))) i++;
  if (i === digitsStart) return undefined;
  if (i === n) return Number(token);
  const separator = token.charCodeAt(i);
  if (separator !== 46 /* . */ && separator !== 44 /* , */) return undefined;
  const fractionStart = ++i;
  while (i < n && isDigit(token.charCodeAt(i))) i++;
  if (i !== n || i === fractionStart) return undefined;
  return Number(separator === 44 ? token.replace(',', '.') : token);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Epoch ms for a calendar date and clock time given in a zone `utcOffsetMinutes` east of UTC. */
export function epochMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  utcOffsetMinutes = 0,
): number {
  return Date.UTC(year, month - 1, day, hour, minute, second) - utcOffsetMinutes * 60_000;
}

export const DAY_MS = 86_400_000;

/** Sysstat's CPU column names (plain `-u` and `-u ALL`) to the CpuSample fields. */
export const CPU_COLUMNS = {
  user: ['%user', '%usr'],
  nice: ['%nice'],
  system: ['%system', '%sys'],
  iowait: ['%iowait'],
  steal: ['%steal'],
  idle: ['%idle'],
} as const;

export type CpuField = keyof typeof CPU_COLUMNS;
export const CPU_FIELDS = Object.keys(CPU_COLUMNS) as CpuField[];

/** Index of each CPU field among the column names, or the name of the first one missing. */
export function cpuColumnIndexes(columns: string[]): Record<CpuField, number> | string {
  const out = {} as Record<CpuField, number>;
  for (const field of CPU_FIELDS) {
    const index = columns.findIndex((c) => (CPU_COLUMNS[field] as readonly string[]).includes(c));
    if (index < 0) return CPU_COLUMNS[field][0];
    out[field] = index;
  }
  return out;
}

export function cpuSample(time: number, values: Record<CpuField, number>): CpuSample {
  // The thesis's CPU used: computed exactly as R does from the printed %idle, never rounded.
  return {
    time,
    used: 100 - values.idle,
    user: values.user,
    nice: values.nice,
    system: values.system,
    iowait: values.iowait,
    steal: values.steal,
    idle: values.idle,
  };
}

export function memorySample(time: number, memUsedPercent: number, fields: Record<string, number>): MemorySample {
  return { time, memUsedPercent, fields };
}
