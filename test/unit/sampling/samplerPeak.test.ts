/**
 * The sampler's own record of its peak memory: the real wrapper script runs a real, short-lived sadc with no
 * reading from outside during its life (as when the worker is killed mid-window and the window ends before
 * the next health check), then the real collect script reads what it left. The peak comes from the sampler's
 * own record, or the record says why there is none: never 0.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareCollectScript, SADC_CANDIDATES, samplerWrapperScript, type RemotePaths } from '../../../src/sampling/samplingScripts';
import { parseKeyValues, parseOverhead } from '../../../src/sampling/parse';
import { itWhen } from '../../support/skip';
import { tempDirSync } from '../../support/tempDir';

jest.setTimeout(60_000);

const sadc = SADC_CANDIDATES.find((candidate) => existsSync(candidate));
const itWithSadc = itWhen({
  met: sadc !== undefined,
  missing: `sysstat's sadc is not installed (${SADC_CANDIDATES.join(', ')})`,
  providedBySetup: true,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function runFolder(name: string): RemotePaths {
  const dir = join(tempDirSync('hardenlab-sampler-peak-'), name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (f: string) => join(dir, f);
  return {
    base: dir,
    runDir: dir,
    dir,
    data: file('data.sa'),
    pidFile: file('sampler.pid'),
    runEnv: file('run.env'),
    gaps: file('gaps.tsv'),
    sadfJson: file('sadf.json'),
    log: file('sampler.log'),
  };
}

/** Starts the wrapper as ensureSamplerScript does (its own session), with sadc sampling every second `count` times. */
async function startWrapper(paths: RemotePaths, count: number): Promise<{ sadcPid: number; group: number; ended: Promise<number | null> }> {
  const script = join(paths.dir, 'sampler.sh');
  writeFileSync(script, samplerWrapperScript());
  const nowSeconds = String(Math.floor(Date.now() / 1000));
  const child = spawn('sh', [script, paths.pidFile, sadc!, '1', String(count), paths.data, paths.dir, nowSeconds], {
    detached: true,
    stdio: 'ignore',
  });
  const ended = new Promise<number | null>((resolve) => child.once('exit', resolve));
  // Until the pid is in the file: it exists a moment before the wrapper's echo fills it (as the script's `-s` test waits).
  const pid = () => (existsSync(paths.pidFile) ? readFileSync(paths.pidFile, 'utf8').trim() : '');
  for (let i = 0; i < 100 && !/^\d+$/.test(pid()); i++) await sleep(50);
  expect(pid()).toMatch(/^\d+$/);
  return { sadcPid: Number(pid()), group: child.pid!, ended };
}

/** The processes left in the wrapper's process group, after up to 2 s for a killed one to go. */
async function leftInGroup(group: number): Promise<string> {
  const list = () => spawnSync('ps', ['-o', 'pid=,args=', '-g', String(group)], { encoding: 'utf8' }).stdout.trim();
  for (let i = 0; i < 40 && list() !== ''; i++) await sleep(50);
  return list();
}

function collect(paths: RemotePaths): string {
  return execFileSync('sh', ['-c', prepareCollectScript(paths)], { encoding: 'utf8' });
}

describe("the sampler's peak memory, from its own record", () => {
  itWithSadc('a sadc that nobody read during its life has its peak from its own record', async () => {
    const paths = runFolder('lived');
    const { ended, group } = await startWrapper(paths, 6); // about 5 s: well past the wrapper's first reading at 2 s
    expect(await ended).toBe(0);
    expect(await leftInGroup(group)).toBe('');
    const output = collect(paths);
    const overhead = parseOverhead(parseKeyValues(output));
    expect(overhead.maxRssKiB).toBeGreaterThan(500);
    expect(overhead.maxRssNotMeasured).toBeUndefined();
    expect(output).not.toMatch(/^max_rss_kib=0$/m);
  });

  itWithSadc('a sadc killed between readings keeps the peak its wrapper read', async () => {
    const paths = runFolder('killed');
    const { sadcPid, ended, group } = await startWrapper(paths, 60);
    await sleep(3_500);
    process.kill(sadcPid, 'SIGKILL');
    expect(await ended).toBe(0);
    // the wrapper's reader went with it, and the reader's sleep
    expect(await leftInGroup(group)).toBe('');
    const overhead = parseOverhead(parseKeyValues(collect(paths)));
    expect(overhead.maxRssKiB).toBeGreaterThan(500);
    expect(overhead.maxRssNotMeasured).toBeUndefined();
  });

  itWithSadc('a sadc that ended before any reading is "not measured", with the reason, never 0', async () => {
    const paths = runFolder('short');
    const { sadcPid, ended } = await startWrapper(paths, 1); // one sample: ends at once
    expect(await ended).toBe(0);
    const output = collect(paths);
    expect(output).not.toMatch(/^max_rss_kib=/m);
    const overhead = parseOverhead(parseKeyValues(output));
    expect(overhead.maxRssKiB).toBeUndefined();
    expect(overhead.maxRssNotMeasured).toMatch(
      new RegExp(`^sadc ${sadcPid} ended after \\d+ s, before its first peak reading \\(2 s in\\)$`),
    );
  });

  itWithSadc("reads an older version's records: its 0 is not measured, its peaks count", async () => {
    const paths = runFolder('older');
    const { ended } = await startWrapper(paths, 1);
    await ended;
    for (const f of ['peak', 'final', 'overhead']) execFileSync('sh', ['-c', `rm -f ${f}.*`], { cwd: paths.dir });
    // the old formats: overhead.<pid> "ticks hwm ns" (hwm 0 when no reading had landed), final.<pid> "ns"
    writeFileSync(join(paths.dir, 'overhead.111'), '3 0 30000000\n');
    writeFileSync(join(paths.dir, 'final.111'), '0\n');
    const unmeasured = parseOverhead(parseKeyValues(collect(paths)));
    expect(unmeasured).toEqual({
      cpuSeconds: 0.03,
      maxRssNotMeasured: 'sadc 111 ended with no peak reading in its life (a sampler of an older version)',
    });
    writeFileSync(join(paths.dir, 'overhead.222'), '2 2316 20000000\n');
    const measured = parseOverhead(parseKeyValues(collect(paths)));
    expect(measured).toMatchObject({ cpuSeconds: 0.05, maxRssKiB: 2316 });
  });
});
