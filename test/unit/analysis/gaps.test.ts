import { gapsWithoutSamples, sampledThrough } from '../../../src/analysis/model/gaps';
import type { NodeSeries, SamplingGap } from '../../../src/domain/samples';

/** A node's record sampled every 10 s from 0 to 600 s, without the samples in `missing` (seconds). */
function series(node: string, missing: [number, number] = [-1, -1]): NodeSeries {
  const times = Array.from({ length: 61 }, (_, i) => i * 10_000).filter((t) => t < missing[0] * 1000 || t > missing[1] * 1000);
  const sample = (time: number) => ({ time, used: 1, user: 1, nice: 0, system: 0, iowait: 0, steal: 0, idle: 99 });
  return { node, cpu: times.map(sample), memory: [] };
}

const unchecked = (node: string, start: number, end: number): SamplingGap => ({
  node,
  start: start * 1000,
  end: end * 1000,
  reason: 'health check failed: connect ECONNREFUSED',
});

describe('gaps without samples', () => {
  test('an unchecked spell the node sampled straight through is not a gap; one it did not sample is', () => {
    const nodes = [series('n1'), series('n2', [200, 290])];
    const gaps = [unchecked('n1', 180, 300), unchecked('n2', 180, 300)];
    expect(sampledThrough(nodes[0], gaps[0]!)).toBe(true);
    expect(sampledThrough(nodes[1], gaps[1]!)).toBe(false);
    expect(gapsWithoutSamples(gaps, nodes)).toEqual([gaps[1]]);
  });

  test("a gap the sampler itself recorded (it was restarted) stays, whatever the record; so does one past the record's end", () => {
    const restarted: SamplingGap = { node: 'n1', start: 100_000, end: 130_000, reason: 'sampler not running (killed or crashed)' };
    expect(gapsWithoutSamples([restarted, unchecked('n1', 590, 700)], [series('n1')])).toEqual([restarted, unchecked('n1', 590, 700)]);
  });

  test('a node without a record keeps its unchecked gap', () => {
    expect(gapsWithoutSamples([unchecked('n3', 0, 50)], [series('n1')])).toEqual([unchecked('n3', 0, 50)]);
  });
});
