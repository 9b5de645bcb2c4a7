import type { z } from 'zod';
import { ToolOutputError, type ToolName } from './findings';

/** A short, printable excerpt of tool output for error messages. */
export function excerpt(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `line ${line} column ${column}`;
}

/**
 * Parses a tool's JSON output, turning every way it goes wrong into a ToolOutputError that says what
 * happened in terms of the tool: empty output, log lines before or after the JSON, truncation, bad syntax.
 */
export function parseToolJson(tool: ToolName, raw: string, hint: string): unknown {
  const bytes = Buffer.byteLength(raw, 'utf8');
  const start = raw.search(/\S/);
  if (start < 0) throw new ToolOutputError(tool, 'the output is empty', bytes);
  const first = raw[start];
  if (first !== '{' && first !== '[') {
    const line = raw.slice(start).split('\n', 1)[0] ?? '';
    throw new ToolOutputError(tool, `the output does not start with JSON: its first line is ${excerpt(line)} (${hint})`, bytes);
  }
  try {
    return JSON.parse(raw);
  } catch (error) {
    const message = (error as Error).message;
    const position = Number(/position (\d+)/.exec(message)?.[1] ?? NaN);
    if (/Unexpected end of JSON input|Unterminated string/.test(message)) {
      throw new ToolOutputError(tool, `the JSON is truncated: it ends after ${bytes} bytes with ${excerpt(raw.slice(-60))}`, bytes);
    }
    if (/after JSON/.test(message) && Number.isFinite(position)) {
      throw new ToolOutputError(
        tool,
        `text follows the JSON at ${lineAndColumn(raw, position)}: ${excerpt(raw.slice(position))} (${hint})`,
        bytes,
      );
    }
    const where = Number.isFinite(position)
      ? ` at ${lineAndColumn(raw, position)} near ${excerpt(raw.slice(position, position + 40))}`
      : '';
    throw new ToolOutputError(tool, `the output is not valid JSON${where}: ${message}`, bytes);
  }
}

function formatIssuePath(parts: readonly PropertyKey[]): string {
  if (parts.length === 0) return '(top level)';
  return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** Validates parsed JSON against the tool's report shape; the error names the first few offending fields. */
export function validateToolJson<S extends z.ZodType>(tool: ToolName, value: unknown, schema: S, raw: string, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 3).map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`);
  const more = parsed.error.issues.length > 3 ? ` (and ${parsed.error.issues.length - 3} more)` : '';
  throw new ToolOutputError(tool, `the JSON is not ${what}: ${issues.join('; ')}${more}`, Buffer.byteLength(raw, 'utf8'));
}
