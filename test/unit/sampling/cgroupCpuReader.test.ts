/**
 * The cgroup CPU source on the node side, run with sh: the exact test that decides it (a cgroup2 mount of this
 * machine, a plain folder, recorded mountinfo lines with and without lxcfs's /proc/stat), and the real wrapper with
 * a real sadc reading a cgroup folder whose cpu.stat this test advances at a known rate.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CGROUP_CPU_FILE, detectCgroupCpu, parseCgroupCpu } from '../../../src/sampling/cgroupCpu';
import { SADC_CANDIDATES, samplerWrapperScript } from '../../../src/sampling/samplingScripts';
import { itWhen } from '../../support/skip';
import { tempDirSync } from '../../support/tempDir';

jest.setTimeout(60_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sadc = SADC_CANDIDATES.find((candidate) => existsSync(candidate));
const itWithSadc = itWhen({ met: sadc !== undefined, missing: `sysstat's sadc is not installed`, providedBySetup: true });

// A cgroup2 mount of this machine (mountinfo field 5 is the mount point; the type follows " - "): /sys/fs/cgroup on
// a v2 host, /sys/fs/cgroup/unified on a v1 or hybrid one.
const cgroup2Mount = readFileSync('/proc/self/mountinfo', 'utf8')
  .split('\n')
  .find((line) => line.split(' - ')[1]?.startsWith('cgroup2 '))
  ?.split(' ')[4];
const itWithCgroup2 = itWhen({ met: cgroup2Mount !== undefined, missing: 'no cgroup2 mount on this machine', providedBySetup: false });

// A system container's /proc/stat as nspawn binds it from lxcfs, and a machine's own.
const LXCFS_PROC_STAT =
  '1480 1455 0:60 /proc/stat /proc/stat rw,nosuid,nodev,relatime - fuse.lxcfs lxcfs rw,user_id=0,group_id=0,allow_other';
const OWN_PROC = '1462 1455 0:22 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw';

describe('which CPU source a node gets', () => {
  const dir = tempDirSync('hardenlab-cgroup-detect-');
  const mountinfo = (name: string, lines: string[]) => {
    writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
    return join(dir, name);
  };
  const source = (root: string, mounts: string) =>
    execFileSync('sh', ['-c', `${detectCgroupCpu(root, mounts)}\necho "dir=$cgroup"`], { encoding: 'utf8' });

  itWithCgroup2('cgroup when the node is on cgroup2 and its /proc/stat is lxcfs’s; sar when either is not so', () => {
    expect(source(cgroup2Mount!, mountinfo('lxcfs', [OWN_PROC, LXCFS_PROC_STAT]))).toBe(`cpu_source=cgroup\ndir=${cgroup2Mount}\n`);
    expect(source(cgroup2Mount!, mountinfo('own', [OWN_PROC]))).toBe('cpu_source=sar\ndir=\n');
    expect(source(dir, mountinfo('lxcfs', [OWN_PROC, LXCFS_PROC_STAT]))).toBe('cpu_source=sar\ndir=\n');
  });

  it('sar on this machine as the sampler runs it (its /proc/stat is its own)', () => {
    expect(execFileSync('sh', ['-c', detectCgroupCpu()], { encoding: 'utf8' })).toBe('cpu_source=sar\n');
  });
});

describe("the wrapper's cgroup reader", () => {
  itWithSadc('reads cpu.stat at each interval beside sadc, with cpu.max as the CPUs, and ends with sadc', async () => {
    const run = tempDirSync('hardenlab-cgroup-reader-');
    const cgroup = join(run, 'cgroup');
    mkdirSync(cgroup);
    writeFileSync(join(cgroup, 'cpu.max'), '50000 100000\n');
    // 0.25 CPU: a quarter of a second of CPU each second, so 50 % of the 0.5 CPU cpu.max allows
    const began = Date.now();
    const advance = () => {
      const usage = (Date.now() - began) * 250;
      const user = Math.round(usage * 0.75);
      writeFileSync(join(cgroup, 'cpu.stat.tmp'), `usage_usec ${usage}\nuser_usec ${user}\nsystem_usec ${usage - user}\n`);
      spawnSync('mv', [join(cgroup, 'cpu.stat.tmp'), join(cgroup, 'cpu.stat')]);
    };
    advance();
    const ticker = setInterval(advance, 20);
    writeFileSync(join(run, 'sampler.sh'), samplerWrapperScript());
    const args = [join(run, 'pid'), sadc!, '1', '5', join(run, 'data.sa'), run, String(Math.floor(Date.now() / 1000)), cgroup];
    const child = spawn('sh', [join(run, 'sampler.sh'), ...args], { detached: true, stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearInterval(ticker);
    expect(code).toBe(0);
    const left = () => spawnSync('ps', ['-o', 'pid=,args=', '-g', String(child.pid)], { encoding: 'utf8' }).stdout.trim();
    for (let i = 0; i < 40 && left() !== ''; i++) await sleep(50);
    expect(left()).toBe('');

    const series = parseCgroupCpu(readFileSync(join(run, CGROUP_CPU_FILE), 'utf8'), CGROUP_CPU_FILE);
    expect(series.limits).toEqual([{ cpus: 0.5, from: 'cpu.max' }]);
    expect(series.samples.length).toBeGreaterThanOrEqual(3);
    for (const sample of series.samples) {
      expect(sample.used).toBeGreaterThan(40);
      expect(sample.used).toBeLessThan(60);
      expect(sample.user / sample.used).toBeCloseTo(0.75, 1);
    }
  });
});
