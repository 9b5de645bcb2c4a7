import type { CpuSample, MemorySample, SysstatFormat } from '../../domain/samples';

export interface ParsedSysstat {
  format: SysstatFormat;
  /** Node name from the file's header, when the format carries one. */
  host?: string;
  cpu: CpuSample[];
  memory: MemorySample[];
  /** Epoch ms of each LINUX RESTART mark (sampler restarted, e.g. after a reboot). */
  restarts: number[];
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

const DECIMAL = /^-?\d+(?:[.,]\d+)?$/;

/** A sysstat number; a decimal comma (sar/sadf under e.g. de_DE) reads like a point. Undefined when not a number. */
export function readNumber(token: string): number | undefined {
  if (!DECIMAL.test(token)) return undefined;
  return Number(token.includes(',') ? token.replace(',', '.') : token);
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
  return { time, used: 100 - values.idle, ...values };
}

export function memorySample(time: number, memUsedPercent: number, fields: Record<string, number>): MemorySample {
  return { time, memUsedPercent, fields };
}
