import type { LoadClock } from '../../src/load/openLoop';

/** A clock that moves only when every sleeper before the next wake-up has run: exact, repeatable time. */
export class FakeLoadClock implements LoadClock {
  private time = 0;
  private sleepers: { at: number; wake: () => void }[] = [];
  now = () => this.time;
  sleepUntil(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= this.time || signal?.aborted) return Promise.resolve();
    return new Promise((wake) => {
      this.sleepers.push({ at: ms, wake });
      signal?.addEventListener('abort', () => wake(), { once: true });
    });
  }
  /** A delay on this clock, for an operation's answer. */
  after(ms: number): Promise<void> {
    return this.sleepUntil(this.time + ms);
  }
  /** Runs until nothing sleeps any more, or until the next wake-up is past `limitMs`. */
  async drain(limitMs = Infinity): Promise<void> {
    for (;;) {
      for (let i = 0; i < 20; i++) await Promise.resolve();
      const next = this.sleepers.sort((a, b) => a.at - b.at)[0];
      if (!next || next.at > limitMs) return;
      this.time = next.at;
      this.sleepers = this.sleepers.filter((s) => s.at > this.time || (s.wake(), false));
    }
  }
}
