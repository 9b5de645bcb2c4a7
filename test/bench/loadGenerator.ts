/**
 * Benchmark: the load phase's HTTP generator (issue 27), 500 requests a second for 10 s at a node http server on
 * 127.0.0.1 (a child process, so the CPU figures are the generators' own), against a peer in the same run: the
 * common hand-rolled generator, setInterval firing Node's fetch(). Figures: achieved against asked rate, latency,
 * and each one's CPU (process.cpuUsage over its run).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { quantileSummary } from '../../src/analysis/load';
import { REQUEST_SETS } from '../../src/domain/requestSets';
import { runHttpLoad } from '../../src/load/httpLoad';
import { wallClock } from '../../src/load/openLoop';

const RATE = 500;
const SECONDS = 10;
const SERVER = `
const server = require('node:http').createServer((req, res) => res.end('<html>hardenlab</html>'));
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

/** The peer: a request every 1000/RATE ms from setInterval, through fetch, its answers awaited apart. */
async function intervalFetch(target: string): Promise<{ ok: number; cpuSeconds: number; p99: number | null }> {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const cpu = process.cpuUsage();
  await new Promise<void>((resolve) => {
    const end = Date.now() + SECONDS * 1000;
    const timer = setInterval(() => {
      if (Date.now() >= end) {
        clearInterval(timer);
        return resolve();
      }
      const t0 = performance.now();
      pending.push(
        fetch(`${target}/`)
          .then(async (res) => {
            await res.arrayBuffer();
            if (res.status === 200) latencies.push(performance.now() - t0);
          })
          .catch(() => undefined),
      );
    }, 1000 / RATE);
  });
  await Promise.all(pending);
  const used = process.cpuUsage(cpu);
  return { ok: latencies.length, cpuSeconds: (used.user + used.system) / 1e6, p99: quantileSummary(latencies).p99 };
}

export async function benchLoadGenerator(): Promise<void> {
  const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [chunk] = (await once(server.stdout, 'data')) as [Buffer];
    const target = `http://127.0.0.1:${Number(chunk.toString().trim())}`;
    console.log(`HTTP load generator bench: ${RATE} requests/s for ${SECONDS} s at a node http server on 127.0.0.1`);
    const startMs = Date.now() + 200;
    const ours = await runHttpLoad(
      { target, requests: REQUEST_SETS['front-page'], requestsPerSecond: RATE, startMs, endMs: startMs + SECONDS * 1000 },
      wallClock,
    );
    const peer = await intervalFetch(target);
    const peerRate = peer.ok / SECONDS;
    const pct = (v: number) => `${((100 * v) / RATE).toFixed(1)} %`;
    const achieved = `${ours.achievedPerSecond.toFixed(1)} of ${RATE}/s (${pct(ours.achievedPerSecond)})`;
    console.log(
      `  hardenlab (open-loop, node:http keep-alive): ${achieved}, ` +
        `p99 ${ours.latencyMs.p99!.toFixed(2)} ms, errors ${ours.errors}, CPU ${ours.cpu.seconds.toFixed(2)} s ` +
        `(${(100 * ours.cpu.shareOfOneCore).toFixed(1)} % of a core), start lag max ${ours.maxLagMs} ms`,
    );
    console.log(
      `  peer (setInterval + fetch): ${peerRate.toFixed(1)} of ${RATE}/s (${pct(peerRate)}), p99 ${peer.p99?.toFixed(2)} ms, ` +
        `CPU ${peer.cpuSeconds.toFixed(2)} s (${((100 * peer.cpuSeconds) / SECONDS).toFixed(1)} % of a core)`,
    );
    const rateRatio = (ours.achievedPerSecond / peerRate).toFixed(2);
    const cpuRatio = (ours.cpu.seconds / peer.cpuSeconds).toFixed(2);
    console.log(`  ratio hardenlab / peer: rate ${rateRatio}x, CPU ${cpuRatio}x (goal: within 5 % of the asked rate)`);
    if (Math.abs(ours.achievedPerSecond - RATE) / RATE > 0.05) process.exitCode = 1;
  } finally {
    server.kill();
  }
}
