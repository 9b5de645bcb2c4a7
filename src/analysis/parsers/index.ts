import type { SysstatFormat } from '../../domain/samples';
import type { ParseOptions, ParsedSysstat } from './common';
import { SysstatParseError } from './sysstatParseError';
import { parseSadfCsv } from './sadfCsv';
import { parseSadfJson } from './sadfJson';
import { parseSarText } from './sarText';

export { SysstatParseError } from './sysstatParseError';
export type { ParseOptions, ParsedSysstat } from './common';
export { parseSarText } from './sarText';
export { parseHeaderDate } from './sarLine';
export { parseSadfCsv } from './sadfCsv';
export { parseSadfJson } from './sadfJson';

/** Which sysstat form a text is in, by its first non-blank line; throws when it is none of them. */
export function detectSysstatFormat(text: string, file: string): SysstatFormat {
  // Only the first non-blank line matters; walk to it instead of splitting a 24-hour file.
  let start = 0;
  let index = 0;
  let first = '';
  while (start <= text.length) {
    const end = text.indexOf('\n', start);
    first = text.slice(start, end < 0 ? text.length : end).trim();
    if (first !== '' || end < 0) break;
    start = end + 1;
    index++;
  }
  if (first === '') throw new SysstatParseError(file, 1, 'sysstat data', '');
  if (first.startsWith('{')) return 'sadf-json';
  if (first.startsWith('# hostname;') || first.split(';').length >= 4) return 'sadf-csv';
  if (/^\S+\s+\S+\s+\([^)]*\)\s+\S+/.test(first) || /^\d{1,2}:\d{2}:\d{2}\s/.test(first)) return 'sar-text';
  throw new SysstatParseError(
    file,
    index + 1,
    "sysstat data: a sar header 'Linux <release> (<host>) <date> …', a sadf -d header '# hostname;interval;timestamp;…' or sadf -j JSON",
    first,
  );
}

/** Parses sysstat data in any form (sar text, sadf -d, sadf -j), detected by content. */
export function parseSysstat(text: string | Buffer, opts: ParseOptions): ParsedSysstat {
  const content = typeof text === 'string' ? text : text.toString('utf8');
  const body = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  const format = detectSysstatFormat(body, opts.file);
  const parsed =
    format === 'sadf-json' ? parseSadfJson(body, opts) : format === 'sadf-csv' ? parseSadfCsv(body, opts) : parseSarText(body, opts);
  if (parsed.cpu.length === 0 && parsed.memory.length === 0) {
    // Records that hold neither report (renamed or missing columns) must not read as "no samples".
    const first = firstDataRow(format, body);
    if (first) throw new SysstatParseError(opts.file, first.line, 'a CPU report with %idle or a memory report with %memused', first.text);
  }
  return parsed;
}

/** The first line that carries a record (not a header, comment or restart mark), if any. */
function firstDataRow(format: SysstatFormat, body: string): { line: number; text: string } | undefined {
  const lines = body.split(/\r?\n/);
  const isRecord: (line: string) => boolean =
    format === 'sadf-json'
      ? (line) => line.includes('"timestamp"')
      : format === 'sadf-csv'
        ? (line) => line.trim() !== '' && !line.startsWith('#') && !/LINUX-RESTART|LINUX RESTART/.test(line)
        : (line) =>
            /^\d{1,2}[:.]\d{2}[:.]\d{2}/.test(line.trim()) && !/RESTART/.test(line) && /\d[.,]\d/.test(line.replace(/^\S+(\s+[AP]M)?/, ''));
  const index = lines.findIndex(isRecord);
  return index < 0 ? undefined : { line: index + 1, text: lines[index]!.trim() };
}
