import { checkOfferedRate } from '../../../src/analysis/load';
import { operationsDue, runOpenLoop } from '../../../src/load/openLoop';
import { FakeLoadClock } from '../../support/fakeLoadClock';

async function run(clock: FakeLoadClock, promise: Promise<unknown>): Promise<void> {
  await clock.drain();
  await promise;
}

describe('open-loop scheduling on a fake clock', () => {
  it('starts each operation at its due time while earlier ones are still waiting for an answer', async () => {
    const clock = new FakeLoadClock();
    const starts: number[] = [];
    // 60 per minute for 2 minutes; each answer takes 2.5 intervals, so a closed loop would manage 48 of 120.
    const options = { startMs: 0, intervalMs: 1000, endMs: 120_000, maxInFlight: 10 };
    const loop = runOpenLoop(options, clock, async (_i, due) => {
      starts.push(clock.now() - due);
      await clock.after(2500);
      return true;
    });
    await run(clock, loop);
    const tally = await loop;
    expect(tally).toEqual({ due: 120, started: 120, skippedBusy: 0, ok: 120, failed: 0, maxLagMs: 0, nextIndex: 120 });
    expect(new Set(starts)).toEqual(new Set([0]));
    const rate = checkOfferedRate(60, Array.from({ length: tally.ok }, (_, i) => i * 1000), 120_000);
    expect(rate).toMatchObject({ achieved: true, achievedPerMinute: 60 });
  });

  it('counts what a slow API left unoffered instead of lowering the rate, and names it as offeredRate does', async () => {
    const clock = new FakeLoadClock();
    const okAt: number[] = [];
    // Answers take 10 s with at most 5 in flight: half the due operations find no room.
    const loop = runOpenLoop({ startMs: 0, intervalMs: 1000, endMs: 60_000, maxInFlight: 5 }, clock, async (_i, due) => {
      await clock.after(10_000);
      okAt.push(due);
      return true;
    });
    await run(clock, loop);
    const tally = await loop;
    expect(tally.due).toBe(60);
    expect(tally.started).toBe(30);
    expect(tally.skippedBusy).toBe(30);
    expect(checkOfferedRate(60, okAt, 60_000).message).toBe('offered rate not achieved: 30 of 60 per minute');
  });

  it('counts refusals and throws as failures and keeps going', async () => {
    const clock = new FakeLoadClock();
    const loop = runOpenLoop({ startMs: 0, intervalMs: 500, endMs: 5000, maxInFlight: 3 }, clock, async (i) => {
      if (i % 3 === 1) throw new Error('refused');
      return i % 3 === 0;
    });
    await run(clock, loop);
    expect(await loop).toMatchObject({ due: 10, started: 10, ok: 4, failed: 6 });
  });

  it('resumes on the first attempt’s schedule: a retry starts at its index and never repeats one', async () => {
    const clock = new FakeLoadClock();
    const seen: number[] = [];
    const first = new AbortController();
    const options = { startMs: 0, intervalMs: 1000, endMs: 20_000, maxInFlight: 4 };
    const one = runOpenLoop({ ...options, signal: first.signal }, clock, async (i) => (seen.push(i), true));
    void clock.sleepUntil(7500).then(() => first.abort());
    await run(clock, one);
    const stopped = await one;
    expect(stopped.nextIndex).toBe(8);
    // The retry comes 3.2 s later: the operations due meanwhile start at once (late), none twice.
    await run(clock, clock.sleepUntil(10_700));
    const lateStarts: number[] = [];
    const two = runOpenLoop({ ...options, firstIndex: stopped.nextIndex }, clock, async (i, due) => {
      seen.push(i);
      lateStarts.push(clock.now() - due);
      return true;
    });
    await run(clock, two);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect((await two).maxLagMs).toBe(2700);
    expect(lateStarts.slice(0, 3)).toEqual([2700, 1700, 700]);
  });

  it('counts the operations due in a span and refuses a schedule that cannot run', async () => {
    expect(operationsDue({ startMs: 0, intervalMs: 1000, endMs: 60_000 })).toBe(60);
    expect(operationsDue({ startMs: 0, intervalMs: 1000, endMs: 60_001 })).toBe(61);
    const clock = new FakeLoadClock();
    await expect(runOpenLoop({ startMs: 0, intervalMs: 0, endMs: 1, maxInFlight: 1 }, clock, async () => true)).rejects.toThrow(
      'intervalMs must be more than 0, got 0',
    );
    await expect(runOpenLoop({ startMs: 0, intervalMs: 1, endMs: 1, maxInFlight: 0 }, clock, async () => true)).rejects.toThrow(
      'maxInFlight must be at least 1, got 0',
    );
  });
});
