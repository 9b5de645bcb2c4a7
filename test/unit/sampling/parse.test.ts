import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import fc from 'fast-check';
import { nodeIdentityScript } from '../../../src/sampling/samplingScripts';
import {
  buildSeries,
  dedupeByTime,
  parseEnsureOutput,
  parseGaps,
  parseKeyValues,
  parseNodeIdentity,
  parseOverhead,
  parseProbe,
} from '../../../src/sampling/parse';

describe('node script output', () => {
  it('reads the sampler state', () => {
    const out =
      'now_ms=1795774066282\nstarted_ms=1795774058155\nend_at=1795774078\nsize=31724\nmtime_ms=1795774062458\n' +
      'state=restarted\nreason=sampler not running (killed or crashed)\npid=6011\n';
    expect(parseEnsureOutput(out)).toEqual({
      state: 'restarted',
      pid: 6011,
      nowMs: 1795774066282,
      startedMs: 1795774058155,
      size: 31724,
      mtimeMs: 1795774062458,
      reason: 'sampler not running (killed or crashed)',
      error: undefined,
    });
    expect(parseEnsureOutput('error=sadc not found\n')).toMatchObject({ state: 'absent', error: 'sadc not found' });
  });
  it('reads gaps, keeping reasons with spaces and skipping malformed lines', () => {
    const kv = parseKeyValues('gap=100 200 sampler not running (killed or crashed)\ngap=300 400 node rebooted\ngap=broken\n');
    expect(parseGaps(kv, 'n1')).toEqual([
      { node: 'n1', start: 100, end: 200, reason: 'sampler not running (killed or crashed)' },
      { node: 'n1', start: 300, end: 400, reason: 'node rebooted' },
    ]);
  });
  it('prefers schedstat nanoseconds over clock ticks for the sampler CPU time', () => {
    expect(parseOverhead(parseKeyValues('cpu_ticks=7\nclk_tck=100\nmax_rss_kib=2316\n'))).toEqual({ cpuSeconds: 0.07, maxRssKiB: 2316 });
    expect(parseOverhead(parseKeyValues('cpu_ticks=7\nclk_tck=100\nmax_rss_kib=2316\ncpu_ns=73456789\n'))).toEqual({
      cpuSeconds: 0.073456789,
      maxRssKiB: 2316,
    });
  });
  it('says why the peak memory was not measured instead of reading it as 0', () => {
    const reason = 'sadc 42 ended after 1 s, before its first peak reading (2 s in)';
    expect(parseOverhead(parseKeyValues(`cpu_ns=5000000\nrss_not_measured=${reason}\n`))).toEqual({
      cpuSeconds: 0.005,
      maxRssNotMeasured: reason,
    });
    expect(parseOverhead(parseKeyValues(`cpu_ns=5000000\nmax_rss_kib=2316\nrss_not_measured=${reason}\n`))).toEqual({
      cpuSeconds: 0.005,
      maxRssKiB: 2316,
      maxRssNotMeasured: reason,
    });
    // an older script's 0, or no record at all, is never a peak of 0
    expect(parseOverhead(parseKeyValues('cpu_ns=0\nmax_rss_kib=0\n'))).toEqual({
      cpuSeconds: 0,
      maxRssNotMeasured: 'no sampler incarnation left a record on the node',
    });
  });
  it('reads the sysstat probe', () => {
    expect(parseProbe('sadc=/usr/lib/sysstat/sadc\nsadf=/usr/bin/sadf\nversion=12.6.1\npm=apt-get\nuser=root\n')).toEqual({
      sadc: '/usr/lib/sysstat/sadc',
      sadf: '/usr/bin/sadf',
      version: '12.6.1',
      packageManager: 'apt-get',
      user: 'root',
      kit: false,
    });
    expect(parseProbe('sadc=\npm=dnf\n')).toMatchObject({ sadc: undefined, packageManager: 'dnf' });
    expect(parseProbe('sadc=/var/lib/hardenlab/sysstat/sadc\nkit=1\n')).toMatchObject({ kit: true });
  });
});

describe('deduplication', () => {
  it('keeps one sample per timestamp, sorted, whatever the input order and repetition', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 80 }), (times) => {
        const samples = times.map((time, i) => ({ time, i }));
        const out = dedupeByTime([...samples, ...samples.slice().reverse()]);
        expect(out.map((s) => s.time)).toEqual([...new Set(times)].sort((a, b) => a - b));
        // the first occurrence wins
        for (const s of out) expect(s.i).toBe(times.indexOf(s.time));
      }),
    );
  });
  it('builds a node series from repeated collections without duplicates', () => {
    const cpu = [1, 2, 3].map((time) => ({ time, used: 1, user: 1, nice: 0, system: 0, iowait: 0, steal: 0, idle: 99 }));
    const memory = [1, 2].map((time) => ({ time, memUsedPercent: 5, fields: {} }));
    const series = buildSeries('n1', [...cpu, ...cpu], [...memory, ...memory]);
    expect(series.cpu.map((s) => s.time)).toEqual([1, 2, 3]);
    expect(series.memory.map((s) => s.time)).toEqual([1, 2]);
  });
});

describe('node identity', () => {
  it("reads this machine's identity through the node-side script, run by a real sh", () => {
    const out = execFileSync('sh', ['-c', nodeIdentityScript()], { encoding: 'utf8' });
    const identity = parseNodeIdentity(out, 'n1');
    expect(identity.machineId).toBe(readFileSync('/etc/machine-id', 'utf8').trim());
    expect(identity.bootId).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    expect(identity.kernel).toBe(os.release());
    expect(identity.cpus).toBe(os.availableParallelism());
    expect(identity.procStatLxcfs).toBe(
      readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .some((l) => / \/proc\/stat /.test(l) && l.includes('lxcfs')),
    );
  });
  it('reads an lxcfs system container and leaves out what came back empty', () => {
    expect(parseNodeIdentity('machine_id=\nboot_id=b-1\nkernel=6.1.0\ncpus=\nproc_stat_lxcfs=1\n', 'n2')).toEqual({
      node: 'n2',
      bootId: 'b-1',
      kernel: '6.1.0',
      procStatLxcfs: true,
    });
    expect(parseNodeIdentity('', 'n3')).toEqual({ node: 'n3' });
  });
});
