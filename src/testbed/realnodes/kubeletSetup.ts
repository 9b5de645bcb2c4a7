import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { signCertificate } from '../../pki/openssl';
import { kubeletCertificates, kubeletConfigFiles, podRoutes, type NodeKubeletInput } from './kubeletFiles';

/**
 * Writes a real node's kubelet and kube-proxy files into its rootfs before it boots: configuration, certificates signed
 * by the cluster CA (once per CA: a cluster made anew gets them signed again), pod network and routes.
 * The rootfs is the node's own (root inside it may have planted links): every file is written as a new file, in a
 * folder reached without any link, never through a link.
 */
export interface NodeKubeletPaths {
  /** The node's state folder (holds rootfs/ and the CA marker). */
  nodeDir: string;
  caCertPath: string;
  caKeyPath: string;
}

const markerFile = (paths: NodeKubeletPaths) => path.join(paths.nodeDir, '.kubelet');

export function caDigest(paths: Pick<NodeKubeletPaths, 'caCertPath'>): string {
  return createHash('sha256').update(fs.readFileSync(paths.caCertPath)).digest('hex');
}

/** 'current' when the node's certificates are the cluster CA's; 'first' before its first signing; else 'resign'. */
export function kubeletSigningState(paths: NodeKubeletPaths): 'current' | 'first' | 'resign' {
  const marker = fs.existsSync(markerFile(paths)) ? fs.readFileSync(markerFile(paths), 'utf8').trim() : undefined;
  if (marker === undefined) return 'first';
  return marker === caDigest(paths) ? 'current' : 'resign';
}

/** A folder inside the rootfs, made where missing; no part of it may be a link (it could lead out of the rootfs). */
export function folderIn(root: string, relative: string): string {
  let dir = root;
  for (const part of relative.split('/')) {
    dir = path.join(dir, part);
    const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (!stat) fs.mkdirSync(dir, { mode: 0o755 });
    else if (!stat.isDirectory()) throw new Error(`${dir} is not a folder of the node's rootfs (a link or a file)`);
  }
  return dir;
}

/** Replaces a file (or link) in the rootfs by a new file: O_EXCL after the unlink, so no link is followed. */
export function writeNew(root: string, relative: string, content: string | Buffer, mode: number): void {
  const file = path.join(folderIn(root, path.dirname(relative)), path.basename(relative));
  fs.rmSync(file, { force: true });
  fs.writeFileSync(file, content, { flag: 'wx', mode });
  fs.chmodSync(file, mode);
}

/** Writes the node's kubelet files; the caller has stopped the node if it ran (it reads them at boot). */
export async function writeNodeKubelet(paths: NodeKubeletPaths, input: NodeKubeletInput, address: string): Promise<void> {
  if (!address.startsWith('127.')) throw new Error(`node ${input.name}: the kubelet's address must be on loopback, got '${address}'`);
  const root = path.join(paths.nodeDir, 'rootfs');
  if (!fs.existsSync(path.join(root, 'etc'))) throw new Error(`node ${input.name} has no rootfs at ${root}`);
  const pki = 'etc/kubernetes/pki';
  writeNew(root, `${pki}/ca.crt`, fs.readFileSync(paths.caCertPath), 0o644);
  const ca = { cert: paths.caCertPath, key: paths.caKeyPath };
  for (const cert of kubeletCertificates(input, address)) {
    const base = path.join(folderIn(root, pki), cert.name);
    for (const file of [`${base}.crt`, `${base}.key`]) fs.rmSync(file, { force: true });
    const out = { cert: `${base}.crt`, key: `${base}.key` };
    await signCertificate(ca, cert.name, cert.subject, cert.extensions, out, { workDir: paths.nodeDir });
  }
  for (const { file, content, mode } of kubeletConfigFiles(input)) writeNew(root, file, content, mode);
  const network = 'etc/systemd/network/10-host0.network';
  const current = fs.readFileSync(path.join(folderIn(root, path.dirname(network)), path.basename(network)), 'utf8');
  // Once: the image's file has no Gateway= until the routes are added.
  if (!/^Gateway=/m.test(current)) writeNew(root, network, current + podRoutes(input), 0o644);
  const wants = folderIn(root, 'etc/systemd/system/multi-user.target.wants');
  for (const unit of ['kubelet.service', 'kube-proxy.service']) {
    fs.rmSync(path.join(wants, unit), { force: true });
    fs.symlinkSync(`/etc/systemd/system/${unit}`, path.join(wants, unit));
  }
  fs.writeFileSync(markerFile(paths), `${caDigest(paths)}\n`, { mode: 0o644 });
}
