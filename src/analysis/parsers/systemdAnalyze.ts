/**
 * Reads `systemd-analyze` (the `time` verb, its default) output into seconds per boot phase:
 *   Startup finished in 6.121s (kernel) + 3.296s (userspace) = 9.418s
 *   Startup finished in 5.2s (firmware) + 1.1s (loader) + 1min 2.345s (kernel) + 850ms (initrd) + 12s (userspace) = 1min 21.495s
 *   graphical.target reached after 11.9s in userspace.
 *   Bootup is not yet finished (org.freedesktop.systemd1.Manager.FinishTimestampMonotonic=0). Please try again later.
 * Pure: no I/O.
 */

export type BootTimeParse =
  | {
      status: 'finished';
      /** Seconds per phase as systemd names them: firmware, loader, kernel, initrd, userspace. */
      phases: Record<string, number>;
      totalSeconds: number;
      /** `<unit> reached after Xs in userspace`, when printed. */
      targetReached?: { unit: string; seconds: number };
    }
  | { status: 'not-finished'; message: string }
  | { status: 'unavailable'; reason: string };

export class SystemdAnalyzeParseError extends Error {
  override readonly name = 'SystemdAnalyzeParseError';
  constructor(readonly source: string, message: string) {
    super(`${source}: ${message}`);
  }
}

/** systemd's format_timespan units, in seconds. */
const UNIT_SECONDS: Record<string, number> = {
  y: 31_557_600,
  month: 2_629_800,
  w: 604_800,
  d: 86_400,
  h: 3_600,
  min: 60,
  s: 1,
  ms: 1e-3,
  us: 1e-6,
  'µs': 1e-6,
  'μs': 1e-6,
};

/** `1min 2.345s`, `853ms`, `2h 1min`, `9.418s` → seconds (rounded to the microsecond). */
export function parseTimespan(text: string): number {
  const trimmed = text.trim();
  const part = /(\d+(?:\.\d+)?)\s*(month|min|ms|us|µs|μs|y|w|d|h|s)(?![a-z])/gy;
  let total = 0;
  let index = 0;
  let parts = 0;
  while (index < trimmed.length) {
    while (trimmed[index] === ' ') index += 1;
    if (index >= trimmed.length) break;
    part.lastIndex = index;
    const match = part.exec(trimmed);
    if (!match) throw new Error(`not a systemd time span: ${JSON.stringify(text)}`);
    total += Number(match[1]) * UNIT_SECONDS[match[2]!]!;
    index = part.lastIndex;
    parts += 1;
  }
  if (parts === 0) throw new Error(`not a systemd time span: ${JSON.stringify(text)}`);
  return Math.round(total * 1e6) / 1e6;
}

const NOT_SYSTEMD = /System has not been booted with systemd|Failed to connect to bus|Host is down|systemd-analyze: (command )?not found/i;

export function parseSystemdAnalyze(text: string, source = 'systemd-analyze'): BootTimeParse {
  const notFinished = /Bootup is not yet finished[^\n]*(?:\n[^\n]+)*/.exec(text);
  if (notFinished) return { status: 'not-finished', message: notFinished[0].replace(/\s*\n\s*/g, ' ').trim() };

  const startup = /Startup finished in (.+?) = ([^\n]+?)\s*$/m.exec(text) ?? /Startup finished in ([^\n=]+?)\s*$/m.exec(text);
  if (!startup) {
    const firstLine = text.trim().split('\n')[0] ?? '';
    if (NOT_SYSTEMD.test(text)) return { status: 'unavailable', reason: firstLine || 'systemd is not running' };
    throw new SystemdAnalyzeParseError(
      source,
      `expected "Startup finished in ..." or "Bootup is not yet finished", found ${JSON.stringify(firstLine)}`,
    );
  }
  const phases: Record<string, number> = {};
  for (const term of startup[1]!.split(' + ')) {
    const match = /^(.+?)\s*\(([^)]+)\)$/.exec(term.trim());
    if (!match) throw new SystemdAnalyzeParseError(source, `expected "<time> (<phase>)", found ${JSON.stringify(term)}`);
    phases[match[2]!.trim()] = parseTimespanAt(source, match[1]!);
  }
  const sum = Math.round(Object.values(phases).reduce((a, b) => a + b, 0) * 1e6) / 1e6;
  const totalSeconds = startup[2] === undefined ? sum : parseTimespanAt(source, startup[2]);

  const reached = /^(\S+) reached after (.+?) in userspace\.?\s*$/m.exec(text);
  return {
    status: 'finished',
    phases,
    totalSeconds,
    ...(reached ? { targetReached: { unit: reached[1]!, seconds: parseTimespanAt(source, reached[2]!) } } : {}),
  };
}

function parseTimespanAt(source: string, text: string): number {
  try {
    return parseTimespan(text);
  } catch (error) {
    throw new SystemdAnalyzeParseError(source, (error as Error).message);
  }
}
