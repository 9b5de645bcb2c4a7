import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { ReportModel } from '../analysis/model/runData';

const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Every sample, tidy: run, scenario, repetition, node, time (ISO UTC), metric (cpu_used | memused_percent), value. */
export async function writeSamplesCsv(model: ReportModel, file: string, onNode?: (step: string) => void): Promise<void> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('run,scenario,repetition,node,time,metric,value\n');
  const run = quote(model.experimentId);
  for (const s of model.series) {
    for (const n of s.nodes) {
      const prefix = `${run},${s.scenario},${s.repetition},${quote(n.node)},`;
      let chunk = '';
      for (const c of n.cpu) chunk += `${prefix}${new Date(c.time).toISOString()},cpu_used,${c.used}\n`;
      for (const m of n.memory) chunk += `${prefix}${new Date(m.time).toISOString()},memused_percent,${m.memUsedPercent}\n`;
      await write(chunk);
      onNode?.(`samples.csv ${s.scenario} #${s.repetition} ${n.node}`);
    }
  }
  out.end();
  await once(out, 'finish');
}
