// Readers of single lines of `sar` text: the header's date, a line's tokens, a clock time and the fast data-row
// scan. sarText.ts keeps the sections, clocks and samples these feed.

const TIME = /^(\d{1,2}):(\d{2}):(\d{2})$/;

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
export function tokenize(line: string): string[] {
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
export function clockSeconds(token: string): number | undefined {
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
export function scanDataRow(line: string, columns: number, cpuIdColumn: number, out: Float64Array): number {
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
