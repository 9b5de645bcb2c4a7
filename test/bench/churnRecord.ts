/**
 * Benchmark: reading a 24 h churn record at 60 pods/min (issue 27) — 86,400 creates, startups and deletes — with
 * hardenlab's streamed gzip reader and its quantiles, against a peer in the same run: the same bytes uncompressed,
 * read whole and split into lines with JSON.parse (no checks, no streaming). Goal: the analysis reads it in seconds.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { checkRecordRate, quantileSummary } from '../../src/analysis/load';
import { ChurnRecordWriter, readChurnRecord } from '../../src/analysis/load/churnRecordFile';
import { bestOf } from './analysis';

const PER_MINUTE = 60;
const MINUTES = 24 * 60;
const RUNS = 3;

async function writeDay(file: string): Promise<void> {
  const pods = PER_MINUTE * MINUTES;
  const header = { offeredPerMinute: PER_MINUTE, startMs: Date.UTC(2026, 11, 6), maxEvents: 3 * pods + 100 };
  const writer = await ChurnRecordWriter.open(file, header);
  let state = 7;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < pods; i++) {
    const at = i * 1000 + Math.floor(random() * 50);
    const pod = `churn-${i}`;
    await writer.write({ e: 'create', pod, at, ms: Math.round((8 + random() * 30) * 100) / 100, ok: true });
    const scheduled = Math.floor(random() * 2) * 1000;
    const ready = scheduled + 1000;
    await writer.write({ e: 'startup', pod, created: at, scheduled, initialized: scheduled, containersReady: ready, ready });
    await writer.write({ e: 'delete', pod, at: at + 10_000, ms: Math.round((5 + random() * 20) * 100) / 100, ok: true });
  }
  await writer.close(MINUTES * 60_000);
}

export async function benchChurnRecord(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hardenlab-bench-churn-'));
  try {
    const gz = join(dir, 'churn.jsonl.gz');
    const plain = join(dir, 'churn.jsonl');
    await writeDay(gz);
    await writeFile(plain, gunzipSync(await readFile(gz)));
    const [gzSize, plainSize] = [(await stat(gz)).size, (await stat(plain)).size];
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
    console.log(`churn record bench: 24 h at ${PER_MINUTE} pods/min, ${mib(gzSize)} MiB gzip (${mib(plainSize)} MiB as text)`);

    const ours = await bestOf(RUNS, async () => {
      const record = await readChurnRecord(gz);
      const creates = quantileSummary(record.creates.ms);
      const ready = quantileSummary(record.startup.ready);
      return { events: record.events, creates, ready, rate: checkRecordRate(record) };
    });
    const peer = await bestOf(RUNS, async () => {
      const text = await readFile(plain, 'utf8');
      let creates = 0;
      for (const line of text.split('\n')) if (line !== '' && (JSON.parse(line) as { e: string }).e === 'create') creates++;
      return creates;
    });
    const { events, creates, ready, rate } = ours.result;
    console.log(
      `  hardenlab: ${events} events, creates p50/p99 ${creates.p50!.toFixed(2)}/${creates.p99!.toFixed(2)} ms, ` +
        `ready p99 ${ready.p99} ms, ${rate.achievedPerMinute.toFixed(1)} of ${rate.offeredPerMinute} per minute`,
    );
    console.log(`  hardenlab streamed gzip read + checks + quantiles: ${ours.seconds.toFixed(3)} s, best of ${RUNS}`);
    console.log(`  peer: the same bytes as plain text, split, JSON.parse: ${peer.seconds.toFixed(3)} s (${peer.result} creates)`);
    console.log(`  ratio hardenlab / peer: ${(ours.seconds / peer.seconds).toFixed(2)}x (goal: reads a 24 h record in seconds)`);
    if (peer.result !== creates.n || ours.seconds > 10) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
