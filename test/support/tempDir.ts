/**
 * Temp folders for tests. tempDir()/tempDirSync() create `<os tmpdir>/<prefix>XXXXXX` and hand it to the jest
 * environment (test/support/tempDirEnvironment.ts, every project's in jest.config.js), which removes it when the
 * test file ends: after its tests and every afterAll hook, so servers a file stops in its own afterAll are gone
 * before their folder is. Callable anywhere: module top level, describe bodies, hooks, tests, support modules.
 * HARDENLAB_KEEP_TEST_HOME=1 keeps the folders (their paths go to stderr) for a look after a failure.
 * test/unit/support/tempDirs.test.ts fails on any other mkdtemp/tmpdir() in test/.
 */
import { mkdtempSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The global the environment sets in each test file's context: records a folder to remove at the file's end. */
export const TRACK_TEMP_DIR = '__hardenlabTrackTempDir';

type Track = (dir: string) => void;

function tracker(): Track {
  const track = (globalThis as Record<string, unknown>)[TRACK_TEMP_DIR];
  if (typeof track !== 'function') {
    throw new Error('tempDir() needs the jest environment test/support/tempDirEnvironment.ts (jest.config.js sets it for every project)');
  }
  return track as Track;
}

function checkPrefix(prefix: string): string {
  if (!/^hardenlab-[\w.-]*-$/.test(prefix)) throw new Error(`temp folder prefix "${prefix}": expected hardenlab-<name>- (one pattern to find strays by)`);
  return path.join(os.tmpdir(), prefix);
}

/** A fresh empty folder `<os tmpdir>/<prefix>XXXXXX`, removed when this test file ends. */
export async function tempDir(prefix: string): Promise<string> {
  const track = tracker();
  const dir = await fs.mkdtemp(checkPrefix(prefix));
  track(dir);
  return dir;
}

/** tempDir() for module top level and other synchronous places. */
export function tempDirSync(prefix: string): string {
  const track = tracker();
  const dir = mkdtempSync(checkPrefix(prefix));
  track(dir);
  return dir;
}

/** Removes the folders (all of them, also when one fails); throws naming each folder that could not be removed. */
export async function removeTempDirs(dirs: readonly string[], keep = Boolean(process.env.HARDENLAB_KEEP_TEST_HOME), log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<void> {
  if (keep) {
    for (const dir of dirs) log(`[tempDir] kept ${dir} (HARDENLAB_KEEP_TEST_HOME)`);
    return;
  }
  const results = await Promise.allSettled(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true, maxRetries: 3 })));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${dirs[i]}: ${(r.reason as Error).message}`] : []));
  if (failed.length > 0) throw new Error(`could not remove the test's temp folders:\n${failed.join('\n')}`);
}
