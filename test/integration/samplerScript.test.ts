/**
 * The node-side sampler script run directly with sh on this machine (a node host shares it), with its run
 * folder in a temp dir: the restart reasons that need a reboot or a frozen sampler, which cannot be staged
 * over SSH on the shared node hosts, are staged here on the script's own state files.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureSamplerScript, prepareCollectScript, stopSamplerScript, type RemotePaths } from '../../src/sampling/samplingScripts';
import { parseSysstat } from '../../src/analysis/parsers';
import { parseEnsureOutput, parseGaps, parseKeyValues, parseOverhead } from '../../src/sampling/parse';

jest.setTimeout(120_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let paths: RemotePaths;

beforeAll(async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-sampler-script-'));
  const dir = path.join(root, 'run', 'node');
  paths = {
    base: root,
    runDir: path.join(root, 'run'),
    dir,
    data: path.join(dir, 'data.sa'),
    pidFile: path.join(dir, 'sampler.pid'),
    runEnv: path.join(dir, 'run.env'),
    gaps: path.join(dir, 'gaps.tsv'),
    sadfJson: path.join(dir, 'sadf.json'),
    log: path.join(dir, 'sampler.log'),
  };
});

afterAll(async () => {
  sh(stopSamplerScript(paths));
  await fs.rm(path.dirname(paths.runDir), { recursive: true, force: true });
});

function sh(script: string): string {
  return execFileSync('sh', ['-c', script], { encoding: 'utf8' });
}

const ensure = (mode: 'start' | 'check') => parseEnsureOutput(sh(ensureSamplerScript(paths, { intervalSeconds: 1, durationSeconds: 60, mode })));
const pid = () => Number(readFileSync(paths.pidFile, 'utf8'));

it('tells a dead sampler after a reboot from a killed or frozen one, and records each gap', async () => {
  expect(ensure('check').state).toBe('absent');
  const started = ensure('start');
  expect(started.state).toBe('started');
  expect(ensure('start')).toMatchObject({ state: 'running', pid: started.pid });
  await sleep(2_500);

  // a reboot: the sampler is gone and the kernel's boot id differs from the one the sampler started under
  process.kill(pid(), 'SIGKILL');
  await fs.writeFile(path.join(paths.dir, 'boot_id.last'), 'a-previous-boot\n');
  expect(ensure('check')).toMatchObject({ state: 'restarted', reason: 'node rebooted' });
  await sleep(2_500);

  // a plain kill
  process.kill(pid(), 'SIGKILL');
  expect(ensure('check')).toMatchObject({ state: 'restarted', reason: 'sampler not running (killed or crashed)' });

  // a frozen sampler: alive, but its file stops growing (SIGSTOP) for longer than max(3 intervals, 10 s)
  const frozen = pid();
  process.kill(frozen, 'SIGSTOP');
  await sleep(6_000);
  expect(ensure('check')).toMatchObject({ state: 'running', pid: frozen });
  await sleep(6_000);
  const thawed = ensure('check');
  expect(thawed).toMatchObject({ state: 'restarted', reason: 'sampler stalled (file not growing)' });
  expect(thawed.pid).not.toBe(frozen);
  await sleep(2_500);

  expect(sh(stopSamplerScript(paths))).toContain('state=stopped');
  // stopped: a late health check does not bring it back
  expect(ensure('check').state).toBe('finished');

  const collected = parseKeyValues(sh(prepareCollectScript(paths)));
  const gaps = parseGaps(collected, 'node');
  expect(gaps.map((g) => g.reason)).toEqual(['node rebooted', 'sampler not running (killed or crashed)', 'sampler stalled (file not growing)']);
  for (const gap of gaps) expect(gap.end).toBeGreaterThan(gap.start);
  // four sampler incarnations, each with its CPU time and RSS kept
  const finals = (await fs.readdir(paths.dir)).filter((f) => /^final\.\d+$/.test(f));
  expect(finals).toHaveLength(4);
  // the wrapper shell logs how each incarnation ended
  const endings = readFileSync(path.join(paths.dir, 'sampler.log'), 'utf8').trim().split('\n');
  expect(endings.map((line) => /(Killed|Terminated)\b/.exec(line)?.[1])).toEqual(['Killed', 'Killed', 'Killed', 'Terminated']);
  const overhead = parseOverhead(collected);
  expect(overhead.cpuSeconds).toBeGreaterThan(0);
  expect(overhead.maxRssKiB).toBeGreaterThan(500);
  const json = JSON.parse(readFileSync(paths.sadfJson, 'utf8')) as { sysstat: { hosts: { restarts: unknown[] }[] } };
  expect(json.sysstat.hosts[0]!.restarts).toHaveLength(3);
});

it("a stop at the window's end lets sadc's count run out: the last sample is kept, not cut", async () => {
  const dir = `${paths.dir}-end`;
  const own: RemotePaths = { ...paths, dir, data: `${dir}/data.sa`, pidFile: `${dir}/sampler.pid`, runEnv: `${dir}/run.env` };
  const window = { intervalSeconds: 1, durationSeconds: 4 };
  const run = (script: string) => parseKeyValues(sh(script));
  expect(run(ensureSamplerScript(own, { ...window, mode: 'start' })).get('state')).toBe('started');
  // sadc began on the grid just before this returned; its last sample falls due a window later. Stopping about 1 s
  // before that, in the window's last interval (a node whose intervals drifted late by more than the stop's latency),
  // must not cut it. Without the wait, this stop killed sadc with 3 samples of 4.
  const early = window.durationSeconds * 1000 - 1000;
  const started = Date.now();
  await sleep(early);
  const stopped = run(stopSamplerScript(own));
  const waited = Date.now() - started - early;
  expect([stopped.get('state'), waited >= 100, waited < 5_000]).toEqual(['stopped', true, true]);
  expect(run(prepareCollectScript(own)).get('json_size')).toMatch(/^[1-9]\d*$/);
  const parsed = parseSysstat(readFileSync(path.join(dir, 'sadf.json'), 'utf8'), { file: 'sadf.json' });
  expect(parsed.cpu).toHaveLength(window.durationSeconds);
  expect(readFileSync(path.join(dir, 'sampler.log'), 'utf8')).not.toMatch(/Terminated|Killed/);
});
