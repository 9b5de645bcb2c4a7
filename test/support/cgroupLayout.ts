/** A cgroupfs laid out as a node's, in a temp folder: each file by its path below the root, with its content. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDirSync } from './tempDir';

export function cgroupLayout(files: Record<string, string>): string {
  const root = tempDirSync('hardenlab-cgroups-');
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  return root;
}
