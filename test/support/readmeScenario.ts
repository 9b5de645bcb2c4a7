/**
 * The complete example (docs/scenarios.md) of a scenario and a pack of one's own, written into a config folder, so the
 * unit tests resolve exactly what the docs show and the test bed runs it.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../src/config/paths';

/** docs/scenarios.md's ```yaml blocks that start with `# <config folder>/<path>`, by path. */
export async function readmeConfigFolderFiles(): Promise<Map<string, string>> {
  const doc = await fs.readFile(path.join(repoRoot, 'docs', 'scenarios.md'), 'utf8');
  const files = new Map<string, string>();
  for (const [, body] of doc.matchAll(/```yaml\n([\s\S]*?)```/g)) {
    const head = /^# <config folder>\/(\S+)/.exec(body!);
    if (head) files.set(head[1]!, body!);
  }
  return files;
}

/** Writes them under `folder`; returns the relative paths written. */
export async function writeReadmeScenario(folder: string): Promise<string[]> {
  const files = await readmeConfigFolderFiles();
  for (const [file, text] of files) {
    await fs.mkdir(path.dirname(path.join(folder, file)), { recursive: true });
    await fs.writeFile(path.join(folder, file), text);
  }
  return [...files.keys()];
}
