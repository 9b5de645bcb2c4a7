/**
 * What the worker resolved for each experiment, kept where only the worker writes (its data folder, 0700):
 * the resolved config (environment fields included) and artifact key, and every cluster reference its
 * provision activity produced. Activities check requests against this record, never trusting a workflow
 * input for an environment field, a cluster reference, a node map or an artifact key.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig } from '../src/config/experiment';
import { canonicalJson } from '../src/config/ownKeys';
import type { ArtifactKey, ClusterRef } from '../src/domain/contracts';

export interface ExperimentRecord {
  /** The Temporal namespace: teams on one server may reuse workflow ids. */
  namespace: string;
  experimentId: string;
  artifactKey: ArtifactKey;
  config: ExperimentConfig;
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

export class ExperimentRecords {
  /** `root`: the worker's data folder (the artifact store's root). */
  constructor(private readonly root: string) {}

  private dir(namespace: string, experimentId: string): string {
    return path.join(this.root, 'resolved-experiments', digest(JSON.stringify([namespace, experimentId])).slice(0, 40));
  }

  private async writeAtomically(file: string, value: unknown): Promise<void> {
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await fs.writeFile(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    await fs.rename(temp, file);
  }

  async write(record: ExperimentRecord): Promise<void> {
    await fs.mkdir(path.join(this.root, 'resolved-experiments'), { recursive: true, mode: 0o700 });
    await this.writeAtomically(path.join(this.dir(record.namespace, record.experimentId), 'experiment.json'), record);
  }

  async read(namespace: string, experimentId: string): Promise<ExperimentRecord | undefined> {
    const file = path.join(this.dir(namespace, experimentId), 'experiment.json');
    const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    const record = text === undefined ? undefined : (JSON.parse(text) as ExperimentRecord);
    // A digest collision or a file copied between folders is not this experiment's record.
    return record?.experimentId === experimentId && record.namespace === namespace ? record : undefined;
  }

  /** A cluster reference the provision activity produced for this experiment (shared or a scenario's own). */
  async addCluster(of: ExperimentRecord, ref: ClusterRef): Promise<void> {
    const text = canonicalJson(ref);
    await this.writeAtomically(path.join(this.dir(of.namespace, of.experimentId), 'clusters', `${digest(text)}.json`), JSON.parse(text));
  }

  async hasCluster(of: ExperimentRecord, ref: unknown): Promise<boolean> {
    const file = path.join(this.dir(of.namespace, of.experimentId), 'clusters', `${digest(canonicalJson(ref))}.json`);
    return fs.access(file).then(() => true, () => false);
  }

  async clusters(of: ExperimentRecord): Promise<ClusterRef[]> {
    const dir = path.join(this.dir(of.namespace, of.experimentId), 'clusters');
    const files = await fs.readdir(dir).catch(() => [] as string[]);
    const read = async (file: string) => JSON.parse(await fs.readFile(path.join(dir, file), 'utf8')) as ClusterRef;
    return Promise.all(files.filter((f) => f.endsWith('.json')).map(read));
  }
}
