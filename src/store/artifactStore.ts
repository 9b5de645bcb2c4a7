import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ArtifactKey } from '../domain/contracts';

/**
 * The artifact store: a folder tree under the worker's data folder. Activities write raw data (sa files,
 * tool output), parsed series and records here; history carries only their keys.
 */
export class ArtifactStore {
  constructor(readonly root: string) {}

  /** Absolute path of a key (plus optional parts); refuses keys that would escape the root. */
  resolve(key: ArtifactKey, ...parts: string[]): string {
    const resolved = path.resolve(this.root, key, ...parts);
    if (resolved !== this.root && !resolved.startsWith(this.root + path.sep)) {
      throw new Error(`artifact key ${JSON.stringify(key)} points outside the store ${this.root}`);
    }
    return resolved;
  }

  async ensureDir(key: ArtifactKey, ...parts: string[]): Promise<string> {
    const dir = this.resolve(key, ...parts);
    await fs.mkdir(dir, { recursive: true });
    return dir;
  }

  /** Writes atomically (temp file + rename), so a retried or killed activity never leaves half a file. */
  async writeFile(key: ArtifactKey, name: string, data: string | Uint8Array): Promise<string> {
    const target = this.resolve(key, name);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
    await fs.writeFile(temp, data);
    await fs.rename(temp, target);
    return target;
  }

  async writeJson(key: ArtifactKey, name: string, value: unknown): Promise<string> {
    return this.writeFile(key, name, JSON.stringify(value, null, 2) + '\n');
  }

  async readJson<T>(key: ArtifactKey, name: string): Promise<T> {
    return JSON.parse(await fs.readFile(this.resolve(key, name), 'utf8')) as T;
  }

  async exists(key: ArtifactKey, name = ''): Promise<boolean> {
    return fs.access(this.resolve(key, name)).then(
      () => true,
      () => false,
    );
  }
}

/** Keys are folder names: keep them portable and predictable. */
export function artifactKeyFor(...parts: (string | number)[]): ArtifactKey {
  return parts.map((p) => String(p).replace(/[^A-Za-z0-9._-]+/g, '_')).join('/');
}
