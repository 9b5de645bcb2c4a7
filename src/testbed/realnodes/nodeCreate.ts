import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run as runProgram } from '../../process/subprocess';
import { nodeIp } from './kubeletFiles';
import { NODE_SYSCTLS } from './nodeLauncher';
import { SERVICE_CIDR, nodeDir, nodeRootfs, type NodeBed, type NodeIdentity } from './nodeBed';

/**
 * A node's own copy of the image, made once (marked by .created): its own identity (hostname, machine id, host keys),
 * logins (root and the unprivileged `hardenlab`, both by the test bed's key) and address. Nothing node-specific lives
 * in the image (scripts/testbed/build-node-image.sh).
 */
export interface NodeCreateFiles {
  /** The node image's rootfs. */
  image: string;
  /** The public key file every node accepts for root and hardenlab. */
  authorizedKeys: string;
  /** How long the copy of the image may take (1-5 min in a TCG guest). */
  copyTimeoutMs: number;
}

/** The image's containerd config, its docker.io mirror pointed at the bed's registry; fails when it has none. */
export function withRegistryMirror(config: string, registry: string): string {
  const url = `http://${registry}`;
  const pointed = config.replace(/^( *endpoint = )\["http:\/\/[^"]*"\]/gm, `$1["${url}"]`);
  if (!pointed.includes(`"${url}"`)) throw new Error("no registry mirror in the image's containerd config");
  return pointed;
}

export function hostsFile(node: NodeIdentity): string {
  return `127.0.0.1 localhost\n${nodeIp(node.index)} ${node.name}\n`;
}

/** systemd-networkd's file for the node's end of the bridge: its address, forwarding, and the services' route. */
export function hostNetworkFile(node: NodeIdentity): string {
  return `[Match]
Name=host0

[Network]
Address=${nodeIp(node.index)}/24
LinkLocalAddressing=no
IPv6AcceptRA=no
# A node forwards (as kubeadm requires): a NodePort reaches pods on other nodes, not only when a local pod made the
# CNI plugin turn it on. The node's own network namespace only: the host's setting is not touched.
IPForward=yes

# Services' cluster IPs (the API server's default range): a node's own processes need a route to them before
# kube-proxy's DNAT rewrites the address. No default route: nothing leaves the node network.
[Route]
Destination=${SERVICE_CIDR}
`;
}

/** A user's uid and gid from an /etc/passwd. */
export function passwdIds(passwd: string, user: string): { uid: number; gid: number } {
  const entry = passwd.split('\n').find((line) => line.startsWith(`${user}:`));
  const [, , uid, gid] = entry?.split(':') ?? [];
  if (!uid || !gid || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) throw new Error(`no user ${user} in the node's /etc/passwd`);
  return { uid: Number(uid), gid: Number(gid) };
}

/** An .ssh folder (0700) with the test bed's key as authorized_keys (0600), owned by the login. */
function installAuthorizedKeys(home: string, keys: string, owner: { uid: number; gid: number }): void {
  const ssh = path.join(home, '.ssh');
  fs.mkdirSync(ssh, { recursive: true });
  fs.chmodSync(ssh, 0o700);
  fs.chownSync(ssh, owner.uid, owner.gid);
  const file = path.join(ssh, 'authorized_keys');
  fs.copyFileSync(keys, file);
  fs.chmodSync(file, 0o600);
  fs.chownSync(file, owner.uid, owner.gid);
}

/** Creates the node's copy unless it exists; a half-made one (no .created) is made again. `env`: the programs' environment. */
export async function createNode(bed: NodeBed, node: NodeIdentity, files: NodeCreateFiles, env?: NodeJS.ProcessEnv): Promise<void> {
  const run = (file: string, args: readonly string[], timeoutMs?: number) => runProgram(file, args, { env, timeoutMs });
  const dir = nodeDir(bed, node.name);
  const root = nodeRootfs(bed, node.name);
  if (fs.existsSync(path.join(dir, '.created'))) return;
  await run('rm', ['-rf', '--one-file-system', dir]);
  fs.mkdirSync(dir, { recursive: true });
  await run('cp', ['-a', files.image, root], files.copyTimeoutMs);
  // containerd pulls docker.io names from the test bed's registry, at the port the configuration gives it.
  const containerd = path.join(root, 'etc', 'containerd', 'config.toml');
  fs.writeFileSync(containerd, withRegistryMirror(fs.readFileSync(containerd, 'utf8'), `${bed.gateway}:${bed.registryPort}`));
  fs.writeFileSync(path.join(root, 'etc', 'hostname'), `${node.name}\n`);
  fs.writeFileSync(path.join(root, 'etc', 'hosts'), hostsFile(node));
  // A machine id and host keys of its own: a node is a machine, and the report tells machines apart by id.
  fs.writeFileSync(path.join(root, 'etc', 'machine-id'), `${randomBytes(16).toString('hex')}\n`);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', node.name, '-f', path.join(root, 'etc', 'ssh', 'ssh_host_ed25519_key')]);
  installAuthorizedKeys(path.join(root, 'root'), files.authorizedKeys, { uid: 0, gid: 0 });
  // The same unprivileged login as the KWOK test bed's node hosts (no sudo), for the tests of least privilege.
  await run('chroot', [root, 'useradd', '--create-home', '--shell', '/bin/bash', 'hardenlab']);
  await run('chroot', [root, 'usermod', '-p', '*', 'hardenlab']);
  const hardenlab = passwdIds(fs.readFileSync(path.join(root, 'etc', 'passwd'), 'utf8'), 'hardenlab');
  installAuthorizedKeys(path.join(root, 'home', 'hardenlab'), files.authorizedKeys, hardenlab);
  fs.mkdirSync(path.join(root, 'etc', 'systemd', 'network'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc', 'systemd', 'network', '10-host0.network'), hostNetworkFile(node));
  const sysctl = path.join(root, 'var', 'lib', 'hardenlab', 'sysctl');
  fs.mkdirSync(sysctl, { recursive: true });
  for (const [key, value] of Object.entries(NODE_SYSCTLS)) fs.writeFileSync(path.join(sysctl, key), `${value}\n`);
  fs.writeFileSync(path.join(dir, '.created'), '');
}
