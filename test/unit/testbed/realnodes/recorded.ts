import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../../../src/config/paths';
import type { NodeBed, NodeCgroupMode } from '../../../../src/testbed/realnodes/nodeBed';

/**
 * What the shell implementation (scripts/testbed/realnodes*.sh, before its port to src/testbed/realnodes/) did, run
 * once with the same values and recorded under test/fixtures/testbed/realnodes-shell/: node-start's command line
 * (setsid replaced by a recorder) and cgroup files for each cgroup mode on stand-in trees, node-create on a stand-in
 * image (with the image's containerd config of then), the registry's configuration and an image archive's manifest.
 * Paths there are placeholders: <state> for the state folder, <v1-root> for /sys/fs/cgroup (v1) and <v2-root> for the
 * cgroup2 root.
 */
export const recordedDir = path.join(repoRoot, 'test', 'fixtures', 'testbed', 'realnodes-shell');
export const recorded = (file: string) => fs.readFileSync(path.join(recordedDir, file), 'utf8');

/** The recording's values: namespace hardenlab-rec, 1.5 CPU, 1 GiB, registry port 5001. */
export function recordedBed(cgroups: NodeCgroupMode, state = '<state>'): NodeBed {
  const size = { cpuMilli: 1500, memoryBytes: 2 ** 30, registryPort: 5001 };
  return { state, namespace: 'hardenlab-rec', bridge: 'hlbr0', gateway: '10.77.0.1', cgroups, ...size };
}

/** The recorded node's read-only folders: the kubelet's, the images', kube-hunter's. */
export const recordedFolders = { kubeletDir: '/K', imagesDir: '/I', kubeHunterSitePackages: '/H' };

/** A folder tree as `path=content` lines (newlines shown as |), as recorded. */
export function treeListing(root: string, dirs: readonly string[]): string[] {
  const walk = (relative: string): string[] =>
    fs.readdirSync(path.join(root, relative), { withFileTypes: true }).flatMap((entry) => {
      const file = path.join(relative, entry.name);
      if (entry.isDirectory()) return walk(file);
      return [`${file}=${fs.readFileSync(path.join(root, file), 'utf8').replaceAll('\n', '|')}`];
    });
  return dirs.flatMap((dir) => (fs.existsSync(path.join(root, dir)) ? walk(dir) : [])).sort();
}
