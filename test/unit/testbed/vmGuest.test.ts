import { qemuArgs, qemuClosureViolations } from '../../../src/testbed/vmGuest';

const options = { imageDir: '/c/vm', cacheDir: '/c', repoDir: '/r', outDir: '/o', checkSha256: 'a'.repeat(64), readOnlyDisks: ['/c/node.img', '/o/checkout.img'] };

describe('the cgroup v2 proof VM: closed by its command line', () => {
  it('the command line the test boots has no network device and no socket to the host', () => {
    const argv = qemuArgs(options);
    expect(qemuClosureViolations(argv)).toEqual([]);
    expect(argv.join(' ')).toContain('-nic none');
    // MTTCG: a host thread per vCPU (under plain TCG the guest's two vCPUs share one).
    expect(argv.join(' ')).toContain('-accel tcg,thread=multi,tb-size=512 -cpu max -smp 2 -m 6144');
    expect(argv.join(' ')).toContain('-drive file=/c/node.img,format=raw,if=virtio,readonly=on -drive file=/o/checkout.img,format=raw,if=virtio,readonly=on');
    expect(argv.join(' ')).toContain('-virtfs local,path=/c,mount_tag=cache,security_model=passthrough,readonly=on');
    expect(argv.join(' ')).toContain('-virtfs local,path=/o,mount_tag=out,security_model=passthrough -nic');
    expect(argv).toContain(
      'root=/dev/vda rw console=ttyS0 systemd.unified_cgroup_hierarchy=1 clocksource=tsc tsc=reliable mitigations=off init_on_alloc=0 ' +
        `systemd.show_status=false hardenlab.check=${'a'.repeat(64)}`,
    );
  });

  it('names every way out: user networking, a tap, a default NIC, sockets for the serial line or monitor, KVM', () => {
    const base = qemuArgs(options);
    const without = (flag: string, count = 2) => {
      const i = base.indexOf(flag);
      return [...base.slice(0, i), ...base.slice(i + count)];
    };
    expect(qemuClosureViolations([...without('-nic'), '-nic', 'user,restrict=off'])).toEqual(['the network must be exactly -nic none (got -nic user,restrict=off)']);
    expect(qemuClosureViolations([...base, '-netdev', 'tap,id=n0', '-device', 'virtio-net-pci,netdev=n0'])).toEqual(['-netdev tap,id=n0', '-device virtio-net-pci,netdev=n0']);
    expect(qemuClosureViolations(without('-nodefaults', 1))).toEqual(['-nodefaults is missing (QEMU would add its default network card)']);
    expect(qemuClosureViolations([...without('-nic'), '-serial', 'tcp:127.0.0.1:4444,server'])).toEqual([
      'the network must be exactly -nic none (got no -nic)',
      '-serial tcp:127.0.0.1:4444,server',
    ]);
    expect(qemuClosureViolations([...base, '-monitor', 'telnet:127.0.0.1:55555', '-accel', 'kvm'])).toEqual([
      '-monitor telnet:127.0.0.1:55555',
      '-accel kvm (TCG only: /dev/kvm here is PVM)',
    ]);
  });

  it('refuses bad options with the field named', () => {
    expect(() => qemuArgs({ ...options, checkSha256: 'abc' })).toThrow("checkSha256 must be 64 hex digits, got 'abc'");
    expect(() => qemuArgs({ ...options, outDir: 'out' })).toThrow("outDir must be an absolute path without commas, got 'out'");
    expect(() => qemuArgs({ ...options, repoDir: '/a,b' })).toThrow('repoDir must be an absolute path without commas');
    expect(() => qemuArgs({ ...options, readOnlyDisks: ['x.img'] })).toThrow("readOnlyDisks[0] must be an absolute path without commas, got 'x.img'");
  });
});
