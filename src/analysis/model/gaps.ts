/**
 * Which recorded gaps are gaps in the samples. A health check that could not reach a node (SSH down, the API
 * server away) records a gap from the last good check, but the sampler runs on the node by itself (over either
 * transport) and may have sampled straight through it: the node's own record decides.
 */
import { UNCHECKED_GAP_REASON, type NodeSeries, type SamplingGap } from '../../domain/samples';

/** Half an interval more than one step, for the clock's jitter between samples. */
const STEP_SLACK = 1.5;

/** The node's record has a sample in every interval of the gap: none is more than one interval from the next. */
export function sampledThrough(series: NodeSeries | undefined, gap: SamplingGap): boolean {
  const times = (series?.cpu.length ? series.cpu : (series?.memory ?? [])).map((s) => s.time).sort((a, b) => a - b);
  if (times.length < 3) return false;
  const steps = times.slice(1).map((t, i) => t - times[i]!).sort((a, b) => a - b);
  const step = steps[Math.floor(steps.length / 2)]! * STEP_SLACK;
  const around = times.filter((t) => t >= gap.start - step && t <= gap.end + step);
  if (around.length === 0 || around[0]! > gap.start + step || around[around.length - 1]! < gap.end - step) return false;
  return around.every((t, i) => i === 0 || t - around[i - 1]! <= step);
}

/** The gaps without samples: every gap the sampler recorded, and the unchecked spells the record does not cover. */
export function gapsWithoutSamples(gaps: readonly SamplingGap[], nodes: readonly NodeSeries[]): SamplingGap[] {
  return gaps.filter((gap) => !gap.reason.startsWith(UNCHECKED_GAP_REASON) || !sampledThrough(nodes.find((n) => n.node === gap.node), gap));
}
