import * as fs from 'node:fs';
import * as path from 'node:path';
import { run, type Log } from '../../process/subprocess';
import { awaitListener, bedPid, netnsPath, spawnInBed, stopBedProcess } from './forwards';
import type { NodeBed } from './nodeBed';

/**
 * The node network's image registry on the gateway (nodes pull docker.io names from it). It takes pushes only while
 * the test bed fills it from the docker-archive tarballs in each folder's push/, then serves read-only, so no pod can
 * replace an image a privileged tool Job runs (kube-bench's). The first folder (build-node-images.sh's) holds the
 * registry binary.
 */
const registryDir = (bed: NodeBed) => path.join(bed.state, 'registry');
const configFile = (bed: NodeBed) => path.join(registryDir(bed), 'config.yml');
const sealedFile = (bed: NodeBed) => path.join(registryDir(bed), '.sealed');

/** The registry's configuration: no deletes ever, and no pushes once readOnly. */
export function registryConfig(bed: Pick<NodeBed, 'state' | 'gateway' | 'registryPort'>, readOnly: boolean): string {
  const data = path.join(bed.state, 'registry', 'data');
  return [
    'version: 0.1',
    'log: {level: warn}',
    `storage: {filesystem: {rootdirectory: ${data}}, delete: {enabled: false}, maintenance: {readonly: {enabled: ${readOnly}}}}`,
    `http: {addr: "${bed.gateway}:${bed.registryPort}"}`,
    '',
  ].join('\n');
}

/** The archive's own tag (docker.io/<repo>:<tag>) as the registry names it: <repo>:<tag>. */
export function archiveReference(manifest: string, archive: string): string {
  let entries: unknown;
  try {
    entries = JSON.parse(manifest);
  } catch {
    entries = undefined;
  }
  const tags = Array.isArray(entries) ? entries.map((entry: { RepoTags?: unknown }) => entry?.RepoTags) : [];
  const tag = tags.find((repoTags): repoTags is [string] => Array.isArray(repoTags) && repoTags.length === 1)?.[0];
  if (typeof tag !== 'string' || !/^docker\.io\/[^"]+$/.test(tag)) throw new Error(`${archive} has no docker.io tag`);
  return tag.slice('docker.io/'.length);
}

/** Where the digest the registry serves an image under is kept: the worker pins the access pod's image by it. */
export const digestFile = (state: string, reference: string) => path.join(state, 'registry', 'digests', reference.replace(/[/:]/g, '_'));

async function registryStart(bed: NodeBed, binary: string, readOnly: boolean): Promise<void> {
  fs.writeFileSync(configFile(bed), registryConfig(bed, readOnly));
  const pid = spawnInBed(bed, 'registry', 'nsenter', [`--net=${netnsPath(bed)}`, binary, 'serve', configFile(bed)]);
  // As long as the shell's two waits (for a connection, then for this very process to listen) took at most together.
  await awaitListener(bed, 'registry', pid, bed.gateway, bed.registryPort, { inside: true, timeoutMs: 20_000 });
}

async function push(bed: NodeBed, archive: string, log: Log): Promise<void> {
  const manifest = (await run('tar', ['-xOf', archive, 'manifest.json'])).stdout;
  const reference = archiveReference(manifest, archive);
  fs.mkdirSync(path.join(registryDir(bed), 'digests'), { recursive: true });
  const destination = `docker://${bed.gateway}:${bed.registryPort}/${reference}`;
  const copy = ['skopeo', 'copy', '--quiet', '--dest-tls-verify=false', '--digestfile', digestFile(bed.state, reference)];
  const { stderr } = await run('nsenter', [`--net=${netnsPath(bed)}`, ...copy, `docker-archive:${archive}`, destination], {
    timeoutMs: 300_000,
  });
  for (const line of stderr.split('\n')) if (line.trim()) log(line);
  log(`pushed ${reference} to the node network's registry`);
}

function archives(dir: string): string[] {
  const push = path.join(dir, 'push');
  const found = fs.existsSync(push) ? fs.readdirSync(push).filter((name) => name.endsWith('.tar')).sort() : [];
  if (found.length === 0) throw new Error(`no image archives in ${push}`);
  return found.map((name) => path.join(push, name));
}

/** Fills the registry from each folder's push/*.tar and seals it, unless it runs sealed already. */
export async function registryUp(bed: NodeBed, dirs: readonly [string, ...string[]], log: Log): Promise<void> {
  const binary = path.join(dirs[0], 'registry', 'registry');
  try {
    fs.accessSync(binary, fs.constants.X_OK);
  } catch {
    throw new Error(`no registry binary in ${path.dirname(binary)}`);
  }
  fs.mkdirSync(path.join(registryDir(bed), 'data'), { recursive: true });
  if (bedPid(bed, 'registry') !== undefined && fs.existsSync(sealedFile(bed))) return;
  await stopBedProcess(bed, 'registry', 5_000);
  fs.rmSync(sealedFile(bed), { force: true });
  await registryStart(bed, binary, false);
  for (const dir of dirs) for (const archive of archives(dir)) await push(bed, archive, log);
  await stopBedProcess(bed, 'registry', 5_000);
  await registryStart(bed, binary, true);
  fs.writeFileSync(sealedFile(bed), '');
  log("the node network's registry serves read-only");
}
