import * as path from 'node:path';

/**
 * The cgroup v2 proof's virtual machine: the QEMU command line that boots the guest built by
 * scripts/testbed/vm/build-guest-image.sh, and the check that this command line gives the guest no way out.
 * The guest's network is closed by configuration: QEMU gets no network device at all (-nic none, -nodefaults),
 * and nothing that listens or connects (monitor, serial, display) on a socket. Read from the argv only: nothing
 * is sent to find out.
 */

export interface VmGuestOptions {
  /** build-guest-image.sh's folder: vmlinuz, initrd.img, disk.img. */
  imageDir: string;
  /** Shared read-only: the test bed's cache (binaries, node image and images). */
  cacheDir: string;
  /** Shared read-only: this checkout (the guest takes its check script from it). */
  repoDir: string;
  /**
   * Read-only disks, in order /dev/vdb, /dev/vdc...: the node image and the built checkout as ext4 images
   * (scripts/testbed/vm/payload-disks.sh), since 9p reads many small files very slowly under TCG.
   */
  readOnlyDisks?: readonly string[];
  /** Shared writable: where the guest writes its results and the serial console goes. */
  outDir: string;
  /** sha256 of test/vm/guest-check.sh: the guest runs its copy only if it matches. */
  checkSha256: string;
  memoryMiB?: number;
  cpus?: number;
}

export const QEMU = 'qemu-system-x86_64';

/**
 * What makes the guest's kernel cheaper to emulate. Under MTTCG its TSCs look unsynchronized, so it falls back to
 * the HPET, whose every read is an emulated device access under QEMU's global lock and no longer a vDSO call: Go's
 * runtime reads the clock constantly, so every Go binary in the guest (etcd, the API server, the kubelets) paid for
 * it. TCG's TSC is the host's, so it is reliable. Also: no Spectre mitigations (the guest runs only our code and is
 * thrown away), no zeroing of every page allocated, and no systemd status on the serial console (its job spinner
 * wrote there twice a second for the whole run).
 */
export const TCG_KERNEL_ARGS = 'clocksource=tsc tsc=reliable mitigations=off init_on_alloc=0 systemd.show_status=false';

/**
 * TCG only: /dev/kvm on this kind of machine is PVM, which stops a stock Debian kernel (shared notes, section B).
 * MTTCG (thread=multi): each vCPU on a host thread of its own; a larger translation cache than the default
 * for the guest's many Go binaries.
 * -snapshot keeps disk.img unchanged (writes go to a temporary overlay); -no-reboot ends QEMU when the guest
 * powers off or reboots.
 */
export function qemuArgs(options: VmGuestOptions): string[] {
  if (!/^[0-9a-f]{64}$/.test(options.checkSha256)) throw new Error(`checkSha256 must be 64 hex digits, got '${options.checkSha256}'`);
  const share = (dir: string, tag: string, readOnly: boolean) => [
    '-virtfs',
    `local,path=${dir},mount_tag=${tag},security_model=passthrough${readOnly ? ',readonly=on' : ''}`,
  ];
  const disks = options.readOnlyDisks ?? [];
  const paths = {
    cacheDir: options.cacheDir,
    repoDir: options.repoDir,
    outDir: options.outDir,
    ...Object.fromEntries(disks.map((disk, i) => [`readOnlyDisks[${i}]`, disk])),
  };
  for (const [name, dir] of Object.entries(paths)) {
    if (!path.isAbsolute(dir) || dir.includes(',')) throw new Error(`${name} must be an absolute path without commas, got '${dir}'`);
  }
  return [
    '-nodefaults', '-no-user-config', '-no-reboot',
    '-machine', 'q35', '-accel', 'tcg,thread=multi,tb-size=512', '-cpu', 'max',
    '-smp', String(options.cpus ?? 2), '-m', String(options.memoryMiB ?? 6144),
    '-display', 'none', '-monitor', 'none',
    '-serial', `file:${path.join(options.outDir, 'console.log')}`,
    '-kernel', path.join(options.imageDir, 'vmlinuz'),
    '-initrd', path.join(options.imageDir, 'initrd.img'),
    '-append',
    `root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 ${TCG_KERNEL_ARGS} hardenlab.check=${options.checkSha256}`,
    '-drive', `file=${path.join(options.imageDir, 'disk.img')},format=raw,if=virtio,snapshot=on`,
    ...disks.flatMap((disk) => ['-drive', `file=${disk},format=raw,if=virtio,readonly=on`]),
    ...share(options.cacheDir, 'cache', true),
    ...share(options.repoDir, 'repo', true),
    ...share(options.outDir, 'out', false),
    '-nic', 'none',
  ];
}

/** Options whose mere presence may give the guest a way out (a network device, or a socket to the host). */
const NETWORK_OPTIONS = new Set([
  '-netdev',
  '-net',
  '-nic',
  '-chardev',
  '-qmp',
  '-vnc',
  '-spice',
  '-incoming',
  '-gdb',
  '-s',
  '-usbdevice',
  '-device',
  '-fsdev',
]);

/**
 * What in a QEMU command line could let the guest reach a network: empty when it is closed. Allowed: exactly
 * `-nic none`, `-serial file:`, `-monitor none`, `-nodefaults` (no default NIC), -virtfs shares; anything else
 * from NETWORK_OPTIONS is named.
 */
export function qemuClosureViolations(argv: readonly string[]): string[] {
  const violations: string[] = [];
  if (!argv.includes('-nodefaults')) violations.push('-nodefaults is missing (QEMU would add its default network card)');
  const nics = argv.flatMap((arg, i) => (arg === '-nic' ? [argv[i + 1]] : []));
  if (nics.length !== 1 || nics[0] !== 'none')
    violations.push(
      `the network must be exactly -nic none (got ${nics.length === 0 ? 'no -nic' : nics.map((nic) => `-nic ${nic}`).join(', ')})`,
    );
  argv.forEach((arg, i) => {
    const value = argv[i + 1] ?? '';
    if (arg === '-nic') return;
    if (NETWORK_OPTIONS.has(arg)) violations.push(`${arg} ${value}`.trim());
    if ((arg === '-serial' || arg === '-parallel') && !value.startsWith('file:') && value !== 'none') violations.push(`${arg} ${value}`);
    if (arg === '-monitor' && value !== 'none') violations.push(`-monitor ${value}`);
    if (arg === '-accel' && !value.startsWith('tcg')) violations.push(`-accel ${value} (TCG only: /dev/kvm here is PVM)`);
  });
  return violations;
}
