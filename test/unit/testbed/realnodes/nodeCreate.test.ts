import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createNode, passwdIds, withRegistryMirror } from '../../../../src/testbed/realnodes/nodeCreate';
import { tempDirSync } from '../../../support/tempDir';
import { recorded, recordedBed, recordedDir } from './recorded';

/**
 * node-create on a stand-in image (the image's containerd config, an /etc/passwd) with a stand-in chroot that adds
 * the user as useradd would: the same files, modes, owners and contents as the shell recorded, but for what is
 * random (machine id, host key).
 */
const STAND_IN_CHROOT = `#!/bin/bash
root="$1"; shift
case "$1" in
  useradd) echo "hardenlab:x:1000:1000::/home/hardenlab:/bin/bash" >> "$root/etc/passwd"; mkdir -p "$root/home/hardenlab" ;;
  usermod) echo "usermod $*" >> "$root/usermod.log" ;;
  id) echo 1000 ;;
esac
`;

function standInImage(dir: string): string {
  const image = path.join(dir, 'img');
  for (const sub of ['etc/containerd', 'etc/ssh', 'root', 'home']) fs.mkdirSync(path.join(image, sub), { recursive: true });
  // The image's containerd config as it was when the shell recorded (node-files/ has it, comments may change).
  fs.copyFileSync(path.join(recordedDir, 'image-containerd-config.toml'), path.join(image, 'etc/containerd/config.toml'));
  fs.writeFileSync(path.join(image, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  return image;
}

/** As recorded: `find . -printf '%M %U:%G %p'` sorted by path, then the text files' contents. */
function describeNode(dir: string): string {
  const listing = execFileSync('find', ['.', '-printf', '%M %U:%G %p\n'], { cwd: dir, encoding: 'utf8' });
  const sorted = listing.trim().split('\n').sort((a, b) => (a.split(' ')[2]! < b.split(' ')[2]! ? -1 : 1));
  const texts = ['rootfs/etc/hostname', 'rootfs/etc/hosts', 'rootfs/etc/passwd', 'rootfs/usermod.log']
    .concat(['kernel.panic', 'kernel.panic_on_oops', 'vm.overcommit_memory'].map((key) => `rootfs/var/lib/hardenlab/sysctl/${key}`))
    .concat(['rootfs/etc/systemd/network/10-host0.network', 'rootfs/etc/containerd/config.toml']);
  const contents = texts.flatMap((file) => [`=== ${file}`, fs.readFileSync(path.join(dir, file), 'utf8').replace(/\n$/, '')]);
  return [...sorted, ...contents].join('\n');
}

test('node-create: the same files, owners, modes and contents as the shell made', async () => {
  if (process.getuid?.() !== 0) throw new Error('this test runs as root, as the test bed does (files owned by uid 1000)');
  const dir = tempDirSync('hardenlab-node-create-');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'chroot'), STAND_IN_CHROOT, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'key.pub'), 'ssh-ed25519 AAAA test\n');
  const bed = recordedBed({ mode: 'v1' }, path.join(dir, 'state'));
  const files = { image: standInImage(dir), authorizedKeys: path.join(dir, 'key.pub'), copyTimeoutMs: 60_000 };
  await createNode(bed, { name: 'n2', index: 2 }, files, { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` });
  const node = path.join(dir, 'state', 'nodes', 'n2');
  expect(describeNode(node)).toBe(recorded('node-create-n2.txt').replace(/\n$/, ''));
  expect(fs.readFileSync(path.join(node, 'rootfs/etc/machine-id'), 'utf8')).toMatch(/^[0-9a-f]{32}\n$/);
  expect(fs.readFileSync(path.join(node, 'rootfs/etc/ssh/ssh_host_ed25519_key.pub'), 'utf8')).toMatch(/^ssh-ed25519 \S+ n2\n$/);
});

test('an image without a registry mirror, or a passwd without the user, is refused by name', () => {
  expect(() => withRegistryMirror('[plugins]\n', '10.77.0.1:5001')).toThrow("no registry mirror in the image's containerd config");
  expect(() => passwdIds('root:x:0:0::/root:/bin/sh\n', 'hardenlab')).toThrow("no user hardenlab in the node's /etc/passwd");
});
