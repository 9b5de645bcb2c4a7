import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Writes a file only the worker's user can read (0600, in a 0700 folder), atomically. */
export async function writePrivateFile(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, content, { mode: 0o600 });
  await fs.chmod(temp, 0o600);
  await fs.rename(temp, file);
}
