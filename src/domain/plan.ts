/**
 * The experiment plan: which scenarios run in which order in each repetition. Order is shuffled
 * with a seeded generator so repetitions do not always run in the same sequence (time-of-day and
 * cluster-age effects), yet the plan is reproducible from the recorded seed. Pure and deterministic.
 */
import { shortHash } from './naming';
import type { ScenarioName } from './scenarios';

export interface RepetitionPlan {
  repetition: number;
  order: ScenarioName[];
}

/** mulberry32: a tiny, well-known 32-bit PRNG; good enough for shuffling a handful of items. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedFromId(id: string): number {
  return parseInt(shortHash(id), 16);
}

export function planRepetitions(scenarios: readonly ScenarioName[], repetitions: number, seed: number): RepetitionPlan[] {
  const plans: RepetitionPlan[] = [];
  for (let repetition = 1; repetition <= repetitions; repetition++) {
    const random = mulberry32(seed + repetition);
    const order = [...scenarios];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    plans.push({ repetition, order });
  }
  return plans;
}
