/**
 * A strict reader of the Prometheus text exposition format (0.0.4), enough for the API server's /metrics:
 * `# HELP`/`# TYPE` lines, samples `name{label="value",…} value [timestamp]`. The npm package
 * parse-prometheus-text-format (1.1.1) was tried first: it accepts garbage lines as samples and drops a
 * labelled histogram's labels, sum and count, so it cannot be trusted with admission figures.
 */

import { LineError } from './lineError';

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromScrape {
  samples: PromSample[];
  /** `# TYPE` of each family that declared one. */
  types: Map<string, string>;
}

export class PromTextError extends LineError {}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** Reads `{a="x",b="y"}` from `text` at `from`; returns the labels and the index after `}`. */
function parseLabels(text: string, from: number, fail: (detail: string) => never): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  let i = from + 1;
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return { labels, end: i + 1 };
    const name = LABEL_NAME.exec(text.slice(i))?.[0];
    if (!name) fail(`expected a label name at column ${i + 1}`);
    i += name.length;
    if (text[i] !== '=' || text[i + 1] !== '"') fail(`expected ="…" after label ${name}`);
    i += 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) fail(`label ${name}'s value has no closing quote`);
      if (c === '"') break;
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else fail(`label ${name}: unknown escape \\${e ?? ''}`);
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    if (Object.hasOwn(labels, name)) fail(`label ${name} appears twice`);
    labels[name] = value;
    i++;
    while (text[i] === ' ') i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail(`expected , or } after label ${name}`);
  }
}

/** Parses one scrape; the first malformed line throws a PromTextError naming `source` and the line. */
export function parsePromText(text: string, source = 'metrics'): PromScrape {
  const samples: PromSample[] = [];
  const types = new Map<string, string>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, '');
    const fail: (detail: string) => never = (detail) => {
      throw new PromTextError(source, n + 1, detail);
    };
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const typeLine = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (typeLine) {
        if (!TYPES.has(typeLine[2]!)) fail(`unknown metric type "${typeLine[2]}"`);
        types.set(typeLine[1]!, typeLine[2]!);
      } else if (line.startsWith('# TYPE')) fail('a TYPE line needs a metric name and a type');
      continue;
    }
    const name = NAME.exec(line)?.[0];
    if (!name) fail('a sample must start with a metric name');
    let i = name.length;
    let labels: Record<string, string> = Object.create(null) as Record<string, string>;
    if (line[i] === '{') ({ labels, end: i } = parseLabels(line, i, fail));
    const rest = line.slice(i).trim().split(/\s+/);
    if (line[i] !== ' ' && line[i] !== '\t') fail(`expected a space before the value of ${name}`);
    if (rest.length < 1 || rest.length > 2 || rest[0] === '') fail(`expected a value and an optional timestamp after ${name}`);
    const value = parseValue(rest[0]!);
    if (value === undefined) fail(`"${rest[0]}" is not a number (${name})`);
    if (rest[1] !== undefined && !/^-?\d+$/.test(rest[1])) fail(`timestamp "${rest[1]}" is not an integer (${name})`);
    samples.push({ name, labels, value: value as number });
  }
  return { samples, types };
}
