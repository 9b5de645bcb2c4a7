/**
 * Each experiment run's artifact folder: `experiments/<readable id>-<hash of the exact id>/<run id>`.
 * The readable part alone maps many ids to one name (`a b`, `a/b`, `a_b`, `..`); the hash keeps ids apart,
 * and the Temporal run id keeps apart the runs of one id (a workflow id may be reused once its run closed).
 * Runs that an earlier release started keep the key their history recorded (`experiments/<id>`).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ArtifactKey } from '../domain/contracts';
import type { ArtifactStore } from './artifactStore';

/** The readable part's length at most: long ids stay apart by their hash, and the name stays short. */
const READABLE_MAX = 40;
const HASH_HEX = 16;
/** What Temporal servers make (lowercase UUIDs): lowercase only, so case-insensitive file systems keep runs apart too. */
const RUN_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Names the run whose folder it is; written inside the folder before the folder appears. */
export const RUN_MARKER_FILE = 'run.json';

export interface RunOwner {
  workflowId: string;
  runId: string;
}

/** The artifact key of one run of one experiment: one path segment per part, inside the data folder for any id. */
export function experimentRunKey(workflowId: string, runId: string): ArtifactKey {
  if (!RUN_ID_PATTERN.test(runId)) {
    throw new Error(`run id ${JSON.stringify(runId)} is not a Temporal run id (lowercase letters, digits and "-")`);
  }
  const readable = workflowId.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[_-]+|[_-]+$/g, '').slice(0, READABLE_MAX) || 'id';
  const hash = createHash('sha256').update(workflowId, 'utf8').digest('hex').slice(0, HASH_HEX);
  return `experiments/${readable}-${hash}/${runId}`;
}

/** The folder exists and belongs to another run (or to none): nothing is written into it. */
export class RunFolderTaken extends Error {
  override readonly name = 'RunFolderTaken';
}

/**
 * Creates the run's folder exclusively, its marker inside before it appears (a rename), so a folder without
 * our marker is never ours. A retried activity of the same run finds its own marker and reuses the folder;
 * any other existing folder is refused.
 */
export async function claimRunFolder(store: ArtifactStore, key: ArtifactKey, owner: RunOwner): Promise<'created' | 'reused'> {
  const target = store.resolve(key);
  const parent = path.dirname(target);
  await fs.mkdir(parent, { recursive: true });
  if (!(await fs.lstat(target).then(() => true, () => false))) {
    const staging = await fs.mkdtemp(path.join(parent, '.claim-'));
    try {
      await fs.writeFile(path.join(staging, RUN_MARKER_FILE), `${JSON.stringify(owner)}\n`, { flag: 'wx' });
      await fs.chmod(staging, 0o755); // mkdtemp's 0700; the data folder's readers read reports as before
      await fs.rename(staging, target);
      return 'created';
    } catch (error) {
      // Another attempt of this run (or anything else) made the folder first: decided by its marker below.
      if (!['EEXIST', 'ENOTEMPTY'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
  }
  const found = await readOwner(target);
  if (found?.workflowId === owner.workflowId && found.runId === owner.runId) return 'reused';
  const holder = found ? `run ${found.runId} of ${JSON.stringify(found.workflowId)}` : 'no run of this release (no marker)';
  throw new RunFolderTaken(`artifact folder ${key} exists and belongs to ${holder}: refusing to write into it`);
}

async function readOwner(folder: string): Promise<RunOwner | undefined> {
  const stat = await fs.lstat(folder).catch(() => undefined);
  if (!stat?.isDirectory()) return undefined; // a file or a symlink is nobody's run folder
  try {
    const value = JSON.parse(await fs.readFile(path.join(folder, RUN_MARKER_FILE), 'utf8')) as Partial<RunOwner>;
    const { workflowId, runId } = value;
    return typeof workflowId === 'string' && typeof runId === 'string' ? { workflowId, runId } : undefined;
  } catch {
    return undefined;
  }
}
