import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  cgroupMounts,
  decideCgroupHost,
  describeCgroupPlan,
  describeMissing,
  type CgroupHostFacts,
  type CgroupVerdict,
} from '../../../src/testbed/cgroupHost';
import { formatCgroupHostRecord, parseCgroupHostRecord } from '../../../src/testbed/cgroupHostRecord';

// The decision on recorded host layouts (test/fixtures/cgroup-hosts/: where each comes from is at its top).
const dir = path.join(__dirname, '..', '..', 'fixtures', 'cgroup-hosts');
const load = (name: string): CgroupHostFacts =>
  parseCgroupHostRecord(fs.readFileSync(path.join(dir, `${name}.txt`), 'utf8'), `${name}.txt`);
const missingOf = (verdict: CgroupVerdict) => (verdict.ok ? [] : verdict.missing.map((item) => item.what));

describe('decideCgroupHost on recorded hosts', () => {
  it('this machine (v1 controllers, an empty cgroup2 at /sys/fs/cgroup/unified, PID 1 not systemd): cgroup v1 by hand', () => {
    const verdict = decideCgroupHost(load('v1-hardenlab-machine'));
    expect(verdict).toEqual({ ok: true, plan: { hierarchy: 'v1', delegation: 'v1-by-hand', cgroupRoot: '/sys/fs/cgroup' } });
  });

  it('a Debian 12 systemd host (unified): cgroup v2, a systemd scope with Delegate=yes per node', () => {
    const verdict = decideCgroupHost(load('v2-debian12-systemd'));
    expect(verdict).toEqual({ ok: true, plan: { hierarchy: 'v2', delegation: 'systemd-scope', cgroupRoot: '/sys/fs/cgroup' } });
    expect(verdict.ok && describeCgroupPlan(verdict.plan)).toBe(
      'real nodes use cgroup v2 (unified): a transient systemd scope per node with Delegate=yes (systemd-run --scope); 1 CPU, ' +
        '2 GiB, 4096 tasks each' +
        "\nnote: on cgroup v2 a node's own /proc/stat, and so sar inside it, shows the host's CPU (lxcfs has no v2 CPU view, " +
          "lxc/lxcfs#593); " +
        "the sampler takes each node's CPU from its own cgroup (cpu.stat) instead, as testbed status does",
    );
  });

  it("the cgroup v2 proof's Debian 12 guest, recorded live: v2 with a systemd scope once mmdebstrap is there", () => {
    const facts = load('v2-debian12-vm-guest');
    expect(decideCgroupHost(facts)).toEqual({
      ok: false,
      hierarchy: 'v2',
      missing: [
        {
          what: '/usr/bin/mmdebstrap',
          fix: 'install the Debian package mmdebstrap (scripts/testbed/install-apt.sh installs what real nodes need)',
        },
      ],
    });
    const withMmdebstrap = { ...facts, tools: [...facts.tools, '/usr/bin/mmdebstrap'] };
    expect(decideCgroupHost(withMmdebstrap)).toEqual({
      ok: true,
      plan: { hierarchy: 'v2', delegation: 'systemd-scope', cgroupRoot: '/sys/fs/cgroup' },
    });
  });

  it('a hybrid Ubuntu 20.04 host: the v1 controllers (cpu,cpuacct co-mounted) as today', () => {
    expect(decideCgroupHost(load('hybrid-ubuntu2004-systemd'))).toEqual({
      ok: true,
      plan: { hierarchy: 'v1', delegation: 'v1-by-hand', cgroupRoot: '/sys/fs/cgroup' },
    });
  });

  it('a default Docker container (read-only cgroup2, no tools): neither hierarchy, with every missing piece named', () => {
    const verdict = decideCgroupHost(load('container-docker-default'));
    expect(missingOf(verdict)).toEqual([
      '/usr/bin/systemd-nspawn',
      '/usr/bin/lxcfs',
      '/usr/bin/mmdebstrap',
      '/usr/bin/socat',
      'a writable cgroup subtree (/sys/fs/cgroup is read-only here)',
      "a cgroup subtree that can take controllers (/sys/fs/cgroup is this container's cgroup and holds its processes)",
    ]);
    expect(verdict.ok).toBe(false);
    const text = describeMissing(verdict as Extract<CgroupVerdict, { ok: false }>);
    expect(text.split('\n')[0]).toBe('real nodes cannot run here on this cgroup v2 host; missing:');
    expect(text).toContain('  - /usr/bin/systemd-nspawn: install the Debian package systemd-container (scripts/testbed/install-apt.sh');
    expect(text).toContain('docker run --privileged --cgroupns=private');
    expect(text).toContain(
      'mkdir /sys/fs/cgroup/init && for p in $(cat /sys/fs/cgroup/cgroup.procs); do echo $p > /sys/fs/cgroup/init/cgroup.procs; done',
    );
  });

  it('a privileged container: only the move of its processes out of its cgroup is missing; once moved, v2 by hand', () => {
    const facts = load('container-docker-privileged');
    expect(missingOf(decideCgroupHost(facts))).toEqual([
      "a cgroup subtree that can take controllers (/sys/fs/cgroup is this container's cgroup and holds its processes)",
    ]);
    const moved = { ...facts, files: { ...facts.files, '/sys/fs/cgroup/cgroup.procs': '' } };
    expect(decideCgroupHost(moved)).toEqual({
      ok: true,
      plan: { hierarchy: 'v2', delegation: 'v2-by-hand', cgroupRoot: '/sys/fs/cgroup' },
    });
  });
});

describe('decideCgroupHost: each missing piece', () => {
  const v2 = load('v2-debian12-systemd');
  const v1 = load('v1-hardenlab-machine');

  it('not root', () => {
    expect(missingOf(decideCgroupHost({ ...v2, uid: 1000 }))).toEqual(['root']);
  });

  it('a v2 host whose PID 1 is not systemd makes the subtree by hand under the true root', () => {
    expect(decideCgroupHost({ ...v2, pid1Comm: 'init', systemdBus: false })).toEqual({
      ok: true,
      plan: { hierarchy: 'v2', delegation: 'v2-by-hand', cgroupRoot: '/sys/fs/cgroup' },
    });
  });

  it('a controller the kernel lacks, one disabled at boot, one held by v1', () => {
    const files = { ...v2.files, '/sys/fs/cgroup/cgroup.controllers': 'cpuset io hugetlb rdma misc' };
    const procCgroups = v2.procCgroups
      .split('\n')
      .filter((line) => !line.startsWith('cpu\t'))
      .map((line) => (line.startsWith('memory') ? 'memory\t0\t1\t0' : line))
      .join('\n');
    const mountinfo = `${v2.mountinfo}\n50 21 0:40 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids`;
    const verdict = decideCgroupHost({ ...v2, files, procCgroups, mountinfo });
    expect(verdict.ok ? [] : verdict.missing).toEqual([
      { what: 'the cpu controller (a kernel feature)', fix: 'use a kernel built with the cpu cgroup controller' },
      {
        what: 'the memory controller (disabled at boot)',
        fix: 'remove cgroup_disable=memory from the kernel command line, or add cgroup_enable=memory',
      },
      {
        what: 'the pids controller on cgroup v2 (cgroup v1 holds it at /sys/fs/cgroup/pids)',
        fix: 'unmount /sys/fs/cgroup/pids, or boot with systemd.unified_cgroup_hierarchy=1',
      },
    ]);
  });

  it('lxcfs too old for cgroup v2', () => {
    expect(missingOf(decideCgroupHost({ ...v2, lxcfsVersion: '3.1.2' }))).toEqual(['lxcfs 4 or later for cgroup v2 (found 3.1.2)']);
  });

  it('a v1 host without CFS bandwidth control, or with a controller unmounted or read-only', () => {
    const files = { ...v1.files };
    delete files['/sys/fs/cgroup/cpu/cpu.cfs_quota_us'];
    delete files['/sys/fs/cgroup/pids/tasks'];
    const verdict = decideCgroupHost({ ...v1, files, writable: v1.writable.filter((dir) => dir !== '/sys/fs/cgroup/memory') });
    expect(missingOf(verdict)).toEqual([
      'a writable /sys/fs/cgroup/memory',
      'the cgroup v1 pids controller at /sys/fs/cgroup/pids',
      'CFS bandwidth control (cpu.cfs_quota_us, a kernel feature)',
    ]);
    expect(verdict.ok || verdict.hierarchy).toBe('v1');
  });

  it('no cgroup file system at all', () => {
    const mountinfo = v1.mountinfo
      .split('\n')
      .filter((line) => !line.includes(' - cgroup'))
      .join('\n');
    expect(decideCgroupHost({ ...v1, mountinfo })).toEqual({
      ok: false,
      missing: [{ what: 'a cgroup file system at /sys/fs/cgroup', fix: 'mount cgroup v2 there: mount -t cgroup2 cgroup2 /sys/fs/cgroup' }],
    });
  });
});

describe('recordings', () => {
  it('parse the mounts of mountinfo (v1 controllers from the super options, read-only from the mount options)', () => {
    const mounts = cgroupMounts(load('container-docker-default').mountinfo);
    expect(mounts).toEqual([{ mountPoint: '/sys/fs/cgroup', fsType: 'cgroup2', controllers: [], readOnly: true }]);
    const hybrid = cgroupMounts(load('hybrid-ubuntu2004-systemd').mountinfo);
    expect(hybrid.find((mount) => mount.mountPoint === '/sys/fs/cgroup/cpu,cpuacct')?.controllers).toEqual(['cpu', 'cpuacct']);
    expect(hybrid.find((mount) => mount.mountPoint === '/sys/fs/cgroup/systemd')?.controllers).toEqual([]);
  });

  it('round-trip through the text format', () => {
    for (const name of fs.readdirSync(dir).map((file) => file.replace(/\.txt$/, ''))) {
      const facts = load(name);
      expect(parseCgroupHostRecord(formatCgroupHostRecord(facts, ['again']))).toEqual(facts);
    }
  });

  it('name the section and line of bad input', () => {
    expect(() => parseCgroupHostRecord('[uid]\nroot\n', 'x.txt')).toThrow('x.txt:2: [uid] must be a number');
    expect(() => parseCgroupHostRecord('hello\n[uid]\n0\n', 'x.txt')).toThrow('x.txt:1: text before the first section');
    expect(() => parseCgroupHostRecord('[uid]\n0\n[pid1-comm]\ninit\n', 'x.txt')).toThrow('x.txt: section [systemd-bus] is missing');
    expect(() => parseCgroupHostRecord('[uid]\n0\n[uid]\n0\n', 'x.txt')).toThrow('x.txt:3: section [uid] appears twice');
  });
});
