import * as fs from 'node:fs';

/** How much of a log's end is read: enough for its last lines, however large the log has grown. */
const TAIL_BYTES = 16_384;

/**
 * The last `lines` lines of a process's log, for an error that says why the process ended; [] when there is no log.
 * Reads only the file's end, so a day-long log costs no more than a fresh one.
 */
export function logTail(file: string, lines: number): string[] {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const tail = Buffer.alloc(Math.min(size, TAIL_BYTES));
    fs.readSync(fd, tail, 0, tail.length, size - tail.length);
    const text = tail.toString('utf8').trim();
    return text === '' ? [] : text.split('\n').slice(-lines);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
