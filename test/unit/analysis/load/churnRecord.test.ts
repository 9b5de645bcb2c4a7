/**
 * The churn's latency record: written and read as gzip streams, bounded, every bad line named; and the offered
 * rate check that reports a churn the API server could not keep up with.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ChurnRecordError, checkOfferedRate, checkRecordRate, summarizeApiCalls } from '../../../../src/analysis/load';
import { ChurnRecordWriter, readChurnRecord } from '../../../../src/analysis/load/churnRecordFile';
import { tempDir } from '../../../support/tempDir';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('hardenlab-churn-');
});

/** `perMinute` creates a minute for `minutes`, each deleted 10 s later, each pod ready 1 s after creation. */
async function writeChurn(file: string, offered: number, perMinute: number, minutes: number): Promise<void> {
  const header = { offeredPerMinute: offered, startMs: Date.UTC(2026, 11, 6), maxEvents: 3 * offered * minutes + 10 };
  const writer = await ChurnRecordWriter.open(file, header);
  for (let i = 0; i < perMinute * minutes; i++) {
    const at = Math.floor((i * 60_000) / perMinute);
    const pod = `churn-${i}`;
    await writer.write({ e: 'create', pod, at, ms: 10 + (i % 7), ok: true });
    await writer.write({ e: 'startup', pod, created: at, scheduled: 0, initialized: 1000, containersReady: 1000, ready: 1000 });
    await writer.write({ e: 'delete', pod, at: at + 10_000, ms: 5, ok: i % 50 !== 0 });
  }
  await writer.close(minutes * 60_000);
}

describe('the churn record', () => {
  test('round trip: what was written is what is read, compressed on disk', async () => {
    const file = path.join(dir, 'ok.jsonl.gz');
    await writeChurn(file, 60, 60, 30);
    const record = await readChurnRecord(file);
    expect([record.header.offeredPerMinute, record.events, record.endAt]).toEqual([60, 3 * 1800, 1_800_000]);
    const { creates, deletes } = record;
    expect([creates.ms.length, creates.failed, deletes.ms.length, deletes.failed]).toEqual([1800, 0, 1764, 36]);
    expect([record.startup.pods, record.startup.ready.length, record.startup.scheduled[0]]).toEqual([1800, 1800, 0]);
    const calls = summarizeApiCalls(record.creates.ms.map((ms) => ({ op: 'create' as const, ms, ok: true })));
    expect([calls.create.latency.p50, calls.create.latency.max]).toEqual([13, 16]);
    const { size } = await fs.stat(file);
    expect(size).toBeLessThan(record.events * 10);
  });

  test('the offered rate, achieved', async () => {
    const file = path.join(dir, 'achieved.jsonl.gz');
    await writeChurn(file, 60, 60, 5);
    const check = checkRecordRate(await readChurnRecord(file));
    expect(check).toEqual({ offeredPerMinute: 60, achievedPerMinute: 60, achieved: true, slowestMinute: 60 });
  });

  test('a churn that fell behind is reported as not achieved, with the figures', async () => {
    const file = path.join(dir, 'behind.jsonl.gz');
    await writeChurn(file, 60, 45, 5);
    expect(checkRecordRate(await readChurnRecord(file))).toMatchObject({
      achieved: false,
      achievedPerMinute: 45,
      message: 'offered rate not achieved: 45 of 60 per minute',
    });
  });

  test('within 5 % counts as achieved; the slowest minute shows a stall', () => {
    const steady = Array.from({ length: 570 }, (_, i) => Math.floor((i * 600_000) / 570));
    expect(checkOfferedRate(60, steady, 600_000)).toMatchObject({ achieved: true, achievedPerMinute: 57 });
    const stalled = steady.filter((at) => at < 120_000 || at >= 180_000);
    expect(checkOfferedRate(60, stalled, 600_000)).toMatchObject({
      achieved: false,
      slowestMinute: 0,
      message: 'offered rate not achieved: 51.3 of 60 per minute',
    });
    expect(() => checkOfferedRate(0, steady, 600_000)).toThrow('the offered rate must be more than 0 per minute, got 0');
  });

  test('bounded: the writer refuses events past maxEvents, and so does the reader', async () => {
    const file = path.join(dir, 'bounded.jsonl.gz');
    const writer = await ChurnRecordWriter.open(file, { offeredPerMinute: 1, startMs: 0, maxEvents: 2 });
    await writer.write({ e: 'create', pod: 'a', at: 0, ms: 1, ok: true });
    await writer.write({ e: 'delete', pod: 'a', at: 1, ms: 1, ok: true });
    const third = writer.write({ e: 'create', pod: 'b', at: 2, ms: 1, ok: true });
    await expect(third).rejects.toThrow('the churn record holds its maximum of 2 events');
    await writer.close(60_000);
    expect((await readChurnRecord(file)).events).toBe(2);
    const over = path.join(dir, 'over.jsonl.gz');
    const create = '{"e":"create","pod":"a","at":0,"ms":1,"ok":true}';
    await fs.writeFile(over, gzipSync(['{"e":"header","v":1,"offeredPerMinute":1,"startMs":0,"maxEvents":1}', create, create].join('\n')));
    await expect(readChurnRecord(over)).rejects.toThrow(`${over}:3: more than the header's maxEvents (1)`);
  });

  const header = '{"e":"header","v":1,"offeredPerMinute":60,"startMs":0,"maxEvents":100}';
  test.each([
    [[header, '{"e":"create","pod":"a","at":0,"ok":true}'], 2, 'create: "ms" must be a finite number'],
    [[header, '{"e":"create","pod":"a","at":0,"ms":1}'], 2, 'create: needs "pod" (a string) and "ok" (true or false)'],
    [[header, 'not json'], 2, 'not a JSON object'],
    [[header, '{"e":"launch"}'], 2, 'unknown event "launch"'],
    [[header, header], 2, 'a second header'],
    [['{"e":"create","pod":"a","at":0,"ms":1,"ok":true}'], 1, 'the first line must be the header'],
    [['{"e":"header","v":2,"offeredPerMinute":60,"startMs":0,"maxEvents":100}'], 1, 'version 2; this reader knows 1'],
    [[header, '{"e":"end","at":5}', '{"e":"end","at":6}'], 3, 'an event after "end"'],
    [[header, `{"e":"create","pod":"${'x'.repeat(1100)}","at":0,"ms":1,"ok":true}`], 2, 'a line longer than 1024 bytes'],
  ])('refuses a bad record, naming its line (%#)', async (lines, line, detail) => {
    const file = path.join(dir, `bad-${line}-${detail.length}.jsonl.gz`);
    await fs.writeFile(file, gzipSync(`${lines.join('\n')}\n`));
    const error = await readChurnRecord(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChurnRecordError);
    expect((error as Error).message).toBe(`${file}:${line}: ${detail}`);
  });

  test('a line that never ends is refused as too long, naming its line', async () => {
    const endless = path.join(dir, 'endless.jsonl.gz');
    await fs.writeFile(endless, gzipSync(`${header}\n{"e":"create","pod":"${'x'.repeat(1 << 20)}`));
    await expect(readChurnRecord(endless)).rejects.toThrow(`${endless}:2: a line longer than 1024 bytes`);
  });

  test('a truncated file is an error, not a shorter record', async () => {
    const file = path.join(dir, 'whole.jsonl.gz');
    await writeChurn(file, 60, 60, 10);
    const bytes = await fs.readFile(file);
    const cut = path.join(dir, 'cut.jsonl.gz');
    await fs.writeFile(cut, bytes.subarray(0, bytes.length - 100));
    await expect(readChurnRecord(cut)).rejects.toThrow(/unexpected end of file/);
  });
});
