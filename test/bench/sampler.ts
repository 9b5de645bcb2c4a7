/**
 * The observer effect as a number: sysstat's sadc and Debian's prometheus-node-exporter (the sampler
 * Prometheus-based tools use), run side by side on one node host for the same window at the same
 * interval (the exporter scraped by a bounded loop), measured from /proc (schedstat ns, else
 * utime+stime ticks) and printed as CPU seconds per hour and their ratio.
 *
 * Node host: the first node of the test bed's node map (`<hardenlabHome>/sim/nodes.yaml`, or
 * HARDENLAB_BENCH_NODE_MAP), reached over SSH like the real sampler; without one, this machine itself.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { hardenlabHome } from '../../src/config/paths';
import { SADC_CANDIDATES } from '../../src/sampling/samplingScripts';
import { Ssh2Connector, type SshSession } from '../../src/ssh/connection';
import { loadNodeMap } from '../../src/ssh/nodeMapFile';

export interface SamplerBenchOptions {
  durationSeconds?: number;
  intervalSeconds?: number;
  nodeMapPath?: string;
  /** Port node_exporter listens on at the node host's address. */
  exporterPort?: number;
}

export interface SamplerBenchResult {
  where: string;
  durationSeconds: number;
  intervalSeconds: number;
  sadc: ProcessCost;
  nodeExporter: ProcessCost & { scrapes: number; failedScrapes: number; meanScrapeBytes: number };
  /** node_exporter CPU per hour / sadc CPU per hour. */
  ratio: number;
}

export interface ProcessCost {
  cpuSeconds: number;
  cpuSecondsPerHour: number;
  maxRssKiB: number;
  source: 'schedstat' | 'ticks';
}

interface Shell {
  where: string;
  address: string;
  run(command: string): Promise<string>;
  close(): Promise<void>;
}

const EXPORTER = '/usr/bin/prometheus-node-exporter';

async function openShell(nodeMapPath: string | undefined): Promise<Shell> {
  const mapPath = nodeMapPath ?? process.env.HARDENLAB_BENCH_NODE_MAP ?? path.join(hardenlabHome(), 'sim', 'nodes.yaml');
  if (existsSync(mapPath)) {
    const node = (await loadNodeMap(mapPath)).nodes[0]!;
    const session: SshSession = await new Ssh2Connector().connect(node);
    return { where: `${node.name} (${session.target})`, address: node.host, run: (c) => session.run(c), close: () => session.close() };
  }
  const exec = promisify(execFile);
  return {
    where: 'this machine (no node map found)',
    address: '127.0.0.1',
    run: async (command) => (await exec('sh', ['-c', command], { maxBuffer: 16 * 1024 * 1024 })).stdout,
    close: async () => undefined,
  };
}

/** One reading of a process's CPU time and peak RSS from /proc. */
function readCostScript(pid: number): string {
  return `sed 's/.*) //' /proc/${pid}/stat | awk '{print "ticks=" $12 + $13}'
awk '{print "ns=" $1}' /proc/${pid}/schedstat 2>/dev/null
awk '/^VmHWM:/ {print "hwm=" $2}' /proc/${pid}/status
echo "clk=$(getconf CLK_TCK)"`;
}

interface Reading {
  seconds: number;
  source: 'schedstat' | 'ticks';
  hwm: number;
}

async function readCost(shell: Shell, pid: number): Promise<Reading> {
  const kv = Object.fromEntries(
    (await shell.run(readCostScript(pid)))
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );
  const ns = Number(kv.ns);
  if (kv.ns !== undefined && Number.isFinite(ns)) return { seconds: ns / 1e9, source: 'schedstat', hwm: Number(kv.hwm) };
  return { seconds: Number(kv.ticks) / Number(kv.clk || 100), source: 'ticks', hwm: Number(kv.hwm) };
}

function cost(start: Reading, end: Reading, elapsedSeconds: number): ProcessCost {
  const cpuSeconds = end.seconds - start.seconds;
  return { cpuSeconds, cpuSecondsPerHour: (cpuSeconds / elapsedSeconds) * 3600, maxRssKiB: end.hwm, source: end.source };
}

export async function runSamplerBench(options: SamplerBenchOptions = {}): Promise<SamplerBenchResult> {
  const durationSeconds = options.durationSeconds ?? 60;
  const intervalSeconds = options.intervalSeconds ?? 1;
  const port = options.exporterPort ?? 19111;
  const shell = await openShell(options.nodeMapPath);
  const dir = `/var/tmp/hardenlab/bench-${Date.now()}`;
  let sadcPid = 0;
  let exporterPid = 0;
  try {
    const sadc = (await shell.run(`for c in ${SADC_CANDIDATES.join(' ')}; do [ -x "$c" ] && { echo "$c"; break; }; done`)).trim();
    if (!sadc) throw new Error(`sadc not found on ${shell.where}: run scripts/sampling/install-apt.sh`);
    if (!(await shell.run(`[ -x ${EXPORTER} ] && echo yes || echo no`)).includes('yes')) {
      throw new Error(`${EXPORTER} not found on ${shell.where}: run scripts/sampling/install-apt.sh`);
    }
    const count = Math.ceil(durationSeconds / intervalSeconds) + 5; // outlives the window; killed at its end
    const launched = await shell.run(`mkdir -p ${dir}
setsid sh -c 'echo $$ > ${dir}/sadc.pid; exec ${sadc} ${intervalSeconds} ${count} ${dir}/data.sa' </dev/null >/dev/null 2>&1 &
setsid sh -c 'echo $$ > ${dir}/exporter.pid; exec ${EXPORTER} --web.listen-address=${shell.address}:${port}' </dev/null >${dir}/exporter.log 2>&1 &
sleep 1; echo "sadc=$(cat ${dir}/sadc.pid)"; echo "exporter=$(cat ${dir}/exporter.pid)"`);
    sadcPid = Number(/sadc=(\d+)/.exec(launched)?.[1]);
    exporterPid = Number(/exporter=(\d+)/.exec(launched)?.[1]);
    if (!sadcPid || !exporterPid) throw new Error(`could not start the samplers on ${shell.where}: ${launched}`);

    const url = `http://${shell.address}:${port}/metrics`;
    // warm-up scrape (the exporter builds its collectors lazily), then measure from here
    for (let i = 0; i < 50; i++) {
      const ok = await fetch(url).then((r) => r.text().then(() => r.ok), () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const startSadc = await readCost(shell, sadcPid);
    const startExporter = await readCost(shell, exporterPid);
    const began = Date.now();
    let scrapes = 0;
    let failedScrapes = 0;
    let bytes = 0;
    const rounds = Math.round(durationSeconds / intervalSeconds);
    for (let i = 1; i <= rounds; i++) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(intervalSeconds * 1000) });
        bytes += (await response.text()).length;
        scrapes += 1;
      } catch {
        failedScrapes += 1;
      }
      const next = began + i * intervalSeconds * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
    const elapsed = (Date.now() - began) / 1000;
    const endSadc = await readCost(shell, sadcPid);
    const endExporter = await readCost(shell, exporterPid);
    const sadcCost = cost(startSadc, endSadc, elapsed);
    const exporterCost = cost(startExporter, endExporter, elapsed);
    return {
      where: shell.where,
      durationSeconds: elapsed,
      intervalSeconds,
      sadc: sadcCost,
      nodeExporter: { ...exporterCost, scrapes, failedScrapes, meanScrapeBytes: scrapes ? Math.round(bytes / scrapes) : 0 },
      ratio: sadcCost.cpuSecondsPerHour > 0 ? exporterCost.cpuSecondsPerHour / sadcCost.cpuSecondsPerHour : Number.POSITIVE_INFINITY,
    };
  } finally {
    await shell
      .run(`for p in ${sadcPid} ${exporterPid}; do [ "$p" -gt 0 ] && kill "$p" 2>/dev/null; done; sleep 0.3; rm -rf ${dir}; rmdir /var/tmp/hardenlab 2>/dev/null; true`)
      .catch(() => undefined);
    await shell.close();
  }
}

/** Prints sadc's and node_exporter's CPU seconds per hour and their ratio (called by the bench main). */
export async function benchSampler(): Promise<void> {
  const r = await runSamplerBench();
  const line = (name: string, c: ProcessCost) =>
    `  ${name.padEnd(26)} ${c.cpuSeconds.toFixed(4)} CPU s in the window = ${c.cpuSecondsPerHour.toFixed(2)} CPU s/h, max RSS ${c.maxRssKiB} KiB (${c.source})`;
  console.log(`sampler overhead on ${r.where}: ${r.durationSeconds.toFixed(1)} s at ${r.intervalSeconds} s interval`);
  console.log(line('sadc (sysstat)', r.sadc));
  console.log(line('prometheus-node-exporter', r.nodeExporter));
  console.log(`  node_exporter scrapes: ${r.nodeExporter.scrapes} ok, ${r.nodeExporter.failedScrapes} failed, ${r.nodeExporter.meanScrapeBytes} bytes each`);
  console.log(`  ratio node_exporter / sadc: ${Number.isFinite(r.ratio) ? r.ratio.toFixed(1) : 'inf'}x`);
}
