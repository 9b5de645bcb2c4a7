/**
 * The cgroup CPU source's reader output (src/sampling/cgroupCpu.ts), read by the pure parser: a series the real
 * wrapper recorded (test/fixtures/cgroup-cpu/), the same with a reading missing and with a counter reset, and
 * bad input, which names the file and line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCgroupCpu } from '../../../src/sampling/cgroupCpu';
import { buildSeries } from '../../../src/sampling/parse';

const fixtures = join(__dirname, '..', '..', 'fixtures', 'cgroup-cpu');
const recorded = (name: string) => readFileSync(join(fixtures, name), 'utf8');
type Reading = [time: number, usage: number, user: number, system: number];
const readingsOf = (text: string): Reading[] =>
  text
    .trim()
    .split('\n')
    .filter((line) => !line.startsWith('limit'))
    .map((line) => line.split(' ').map(Number) as Reading);

describe('parseCgroupCpu on recorded series', () => {
  const text = recorded('v2-root-2cpus.tsv');
  const readings = readingsOf(text);

  it('turns each pair of readings into a sample at the later time, as % of the CPUs (cpuset: no quota at the root)', () => {
    const series = parseCgroupCpu(text, 'v2-root-2cpus.tsv');
    expect(series.limits).toEqual([{ cpus: 2, from: 'cpuset' }]);
    expect(series.resets).toBe(0);
    expect(series.samples).toHaveLength(readings.length - 1);
    readings.slice(1).forEach(([time, usage], i) => {
      const [before, beforeUsage] = readings[i]!;
      const sample = series.samples[i]!;
      expect(sample.time).toBe(time);
      expect(sample.used).toBeCloseTo(((usage - beforeUsage) / ((time - before) * 1000 * 2)) * 100, 9);
      expect(sample.idle).toBeCloseTo(100 - sample.used, 9);
      expect(sample.user + sample.system).toBeGreaterThan(0);
    });
    // The recording's interval is 1 s: sadc's grid, without drift.
    for (const [i, sample] of series.samples.entries()) expect(Math.abs(sample.time - readings[0]![0] - (i + 1) * 1000)).toBeLessThan(150);
  });

  it('a missing reading: the next sample spans both intervals, at their mean', () => {
    const lines = text.trim().split('\n');
    const withoutThird = [...lines.slice(0, 3), ...lines.slice(4)].join('\n');
    const full = parseCgroupCpu(text, 'full.tsv').samples;
    const series = parseCgroupCpu(withoutThird, 'missing.tsv');
    expect(series.samples).toHaveLength(full.length - 1);
    const spanning = series.samples[1]!;
    expect(spanning.time).toBe(full[2]!.time);
    const [t1, u1] = readings[1]!;
    const [t3, u3] = readings[3]!;
    expect(spanning.used).toBeCloseTo(((u3 - u1) / ((t3 - t1) * 1000 * 2)) * 100, 9);
    expect(Math.min(full[1]!.used, full[2]!.used) - 1e-9).toBeLessThanOrEqual(spanning.used);
    expect(spanning.used).toBeLessThanOrEqual(Math.max(full[1]!.used, full[2]!.used) + 1e-9);
  });

  it('a counter reset (a new cgroup: the node restarted) drops that interval and counts it; a new limit line starts afresh', () => {
    const [t, u, us, sy] = readings.at(-1)!;
    const reset = `${text.trim()}\n${t + 1000} 5000 4000 1000\n${t + 2000} 505000 404000 101000\n`;
    const series = parseCgroupCpu(reset, 'reset.tsv');
    expect(series.resets).toBe(1);
    expect(series.samples.at(-1)).toMatchObject({ time: t + 2000, used: 25 });
    // a restarted sampler writes its limit line first: no sample spans the restart, and none is counted as a reset
    const restarted = `${text.trim()}\nlimit 100000 100000 2 1\n${t + 5000} ${u + 10} ${us} ${sy}\n${t + 6000} ${u + 500010} ${us} ${sy}\n`;
    const after = parseCgroupCpu(restarted, 'restarted.tsv');
    expect(after.limits).toEqual([
      { cpus: 2, from: 'cpuset' },
      { cpus: 1, from: 'cpu.max' },
    ]);
    expect(after.resets).toBe(0);
    expect(after.samples).toHaveLength(readings.length);
    expect(after.samples.at(-1)).toMatchObject({ time: t + 6000, used: 50 });
  });

  it('becomes the series CPU, with sar kept beside it and the source named', () => {
    const cgroup = parseCgroupCpu(text, 'v2-root-2cpus.tsv').samples;
    const sar = [{ time: 1, used: 90, user: 90, nice: 0, system: 0, iowait: 0, steal: 0, idle: 10 }];
    expect(buildSeries('n1', sar, [], cgroup)).toEqual({ node: 'n1', cpu: cgroup, cpuSource: 'cgroup', sarCpu: sar, memory: [] });
    expect(buildSeries('n1', sar, [], [])).toEqual({ node: 'n1', cpu: sar, cpuSource: 'sar', memory: [] });
  });
});

describe("parseCgroupCpu on two real nodes of the cgroup v2 guest (test/vm), a busy pod on one", () => {
  // Recorded by the wrapper inside the nodes (2 s interval under TCG, so the readings are 1-5 s apart); neither node's
  // cgroup root has a quota of its own (nspawn's payload below the limited scope), so 100 % is the 2 CPUs it may use.
  const series = (name: string) => parseCgroupCpu(recorded(name), name);
  const cpusUsed = (name: string) => {
    const { samples } = series(name);
    return samples.reduce((sum, sample) => sum + (sample.used / 100) * 2, 0) / samples.length;
  };

  it('reads every reading pair, with the cpuset as the base and no reset', () => {
    for (const name of ['v2-vm-node-idle.tsv', 'v2-vm-node-busy.tsv']) {
      const readings = readingsOf(recorded(name));
      expect(series(name)).toMatchObject({ limits: [{ cpus: 2, from: 'cpuset' }], resets: 0 });
      expect(series(name).samples).toHaveLength(readings.length - 1);
      for (const sample of series(name).samples) expect(sample.used).toBeGreaterThan(0);
    }
  });

  it("shows the busy pod on its node's CPU and not on the other's", () => {
    expect(cpusUsed('v2-vm-node-busy.tsv') - cpusUsed('v2-vm-node-idle.tsv')).toBeGreaterThan(0.35);
    expect(cpusUsed('v2-vm-node-busy.tsv')).toBeLessThan(1.1); // the scope's cpu.max: one CPU
  });
});

describe('parseCgroupCpu on bad input', () => {
  it.each([
    ['limit max 100000 2\n', 1, 'expected "limit <quota|max> <period> <cpus> <interval>"'],
    ['limit 5O000 100000 2 1\n', 1, 'expected "limit'],
    ['limit max 100000 2 1\n1700000000000 12 3\n', 2, 'expected "<epoch ms> <usage µs> <user µs> <system µs>"'],
    ['limit max 100000 2 1\n1700000000000 12 3 x\n', 2, 'expected "<epoch ms>'],
    ['\n1700000000000 12 3 4\n', 2, 'a reading before any "limit" line'],
  ])('%j: names the file and line %i', (text, line, message) => {
    expect(() => parseCgroupCpu(text, '/store/nodes/n1/cgroup-cpu.tsv')).toThrow(`/store/nodes/n1/cgroup-cpu.tsv:${line}: ${message}`);
  });
});
