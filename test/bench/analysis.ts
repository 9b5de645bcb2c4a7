/**
 * Benchmark: hardenlab's analysis (parse + statistics) against R (read.table + boxplot.stats) on the same
 * three sar text files of 86,400 one-second samples each (24 h at 1 s, `sar -u -r` shape), in the same run.
 * Goal: at least 2x faster than R.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseSysstat } from '../../src/analysis/parsers';
import { describe } from '../../src/analysis/stats/descriptive';

const SAMPLES = 86_400;

/**
 * Writes a deterministic day of 1-second sar samples for one node (`sar -u` then `sar -r` sections), with
 * load bursts that make outliers. Written in chunks so that generating leaves no garbage for the timed part.
 */
async function writeSarDay(file: string, node: string, seed: number): Promise<void> {
  let state = seed;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const clock = (s: number) => new Date(s * 1000).toISOString().slice(11, 19);
  const cpuAt = (s: number) => {
    const burst = s % 3600 < 60 ? 40 + random() * 50 : 0;
    const user = Math.min(99, 2 + random() * 3 + burst * 0.7);
    const system = Math.min(100 - user, 1 + random() * 2 + burst * 0.3);
    const iowait = random() < 0.01 ? random() * 5 : 0;
    const idle = Math.max(0, 100 - user - system - iowait);
    return `${clock(s)}        all  ${user.toFixed(2).padStart(8)}      0.00  ${system.toFixed(2).padStart(8)}  ${iowait.toFixed(2).padStart(8)}      0.00  ${idle.toFixed(2).padStart(8)}`;
  };
  let memUsed = 1_200_000;
  const memAt = (s: number) => {
    const burst = s % 3600 < 60;
    memUsed = Math.max(800_000, Math.min(3_500_000, memUsed + Math.round((random() - 0.5) * 20_000) + (burst ? 3_000 : 0)));
    const pct = (memUsed / 4_030_000) * 100;
    return `${clock(s)}     ${4_030_000 - memUsed - 900_000}   ${4_030_000 - memUsed}   ${memUsed}     ${pct.toFixed(2)}     60000    800000   3000000     40.12   1200000    900000       120`;
  };
  const out = await open(file, 'w');
  try {
    await out.write(
      `Linux 6.1.0-27-amd64 (${node}) \t05/12/21 \t_x86_64_\t(2 CPU)\n\n${clock(0)}        CPU     %user     %nice   %system   ` +
        `%iowait    %steal     %idle\n`,
    );
    const chunked = async (row: (s: number) => string) => {
      for (let from = 1; from <= SAMPLES; from += 3600) {
        const rows: string[] = [];
        for (let s = from; s < from + 3600 && s <= SAMPLES; s++) rows.push(row(s));
        await out.write(`${rows.join('\n')}\n`);
      }
    };
    await chunked(cpuAt);
    await out.write('Average:        all      0.00      0.00      0.00      0.00      0.00      0.00\n\n');
    await out.write(
      `${clock(0)}    kbmemfree   kbavail kbmemused  %memused kbbuffers  kbcached  kbcommit   %commit  kbactive   kbinact   kbdirty\n`,
    );
    await chunked(memAt);
    await out.write(
      'Average:            0         0         0      0.00         0         0         0      0.00         0         0         0\n',
    );
  } finally {
    await out.close();
  }
}

/** Best (lowest) of `runs` timings in seconds: the machine may be shared, the minimum is the least disturbed. */
export async function bestOf<T>(runs: number, work: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  let best = Infinity;
  let result: T | undefined;
  for (let k = 0; k < runs; k++) {
    const t0 = process.hrtime.bigint();
    result = await work();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { seconds: best, result: result! };
}

const R_SCRIPT = `
files <- commandArgs(trailingOnly = TRUE)
t0 <- proc.time()[["elapsed"]]
for (f in files) {
  l <- readLines(f)
  cpu <- read.table(text = l[grepl("^[0-9:]+ +all ", l)])
  used <- 100 - cpu[[ncol(cpu)]]
  mem <- read.table(text = l[grepl("^[0-9:]+ +[0-9]", l)])
  memused <- mem[[5]]
  b1 <- boxplot.stats(used); b2 <- boxplot.stats(memused)
  cat(sprintf("%s cpu n=%d mean=%.6f out=%d ram n=%d mean=%.6f out=%d\\n", basename(f), length(used), mean(used),
      length(b1$out), length(memused), mean(memused), length(b2$out)))
}
cat(sprintf("elapsed %.3f\\n", proc.time()[["elapsed"]] - t0))
`;

const RUNS = 3;

export async function benchAnalysis(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hardenlab-bench-'));
  try {
    const files = [1, 2, 3].map((k) => join(dir, `k8s-node-${k}.sar`));
    for (const [k, f] of files.entries()) await writeSarDay(f, `k8s-node-${k + 1}`, 17 + k);
    console.log(`analysis bench: 3 sar text files x ${SAMPLES} one-second samples (CPU and memory); best of ${RUNS} runs each`);

    const ours = await bestOf(RUNS, async () => {
      const lines: string[] = [];
      for (const f of files) {
        const parsed = parseSysstat(await readFile(f, 'utf8'), { file: f });
        const cpu = describe(parsed.cpu.map((s) => s.used))!;
        const ram = describe(parsed.memory.map((s) => s.memUsedPercent))!;
        lines.push(
          `${basename(f)} cpu n=${cpu.n} mean=${cpu.mean.toFixed(6)} out=${cpu.outliers} ram n=${ram.n} ` +
            `mean=${ram.mean.toFixed(6)} out=${ram.outliers}`,
        );
      }
      return lines;
    });
    for (const line of ours.result) console.log(`  hardenlab ${line}`);

    if (spawnSync('Rscript', ['--version']).status !== 0) {
      console.log(`  hardenlab parse+stats: ${ours.seconds.toFixed(3)} s; Rscript not found, no comparison (install r-base-core)`);
      return;
    }
    const scriptFile = join(dir, 'bench.R');
    await writeFile(scriptFile, R_SCRIPT);
    let rInside = Infinity;
    const r = await bestOf(RUNS, async () => {
      const lines = execFileSync('Rscript', [scriptFile, ...files], { encoding: 'utf8' })
        .trim()
        .split('\n');
      rInside = Math.min(rInside, Number(/elapsed ([\d.]+)/.exec(lines.pop()!)![1]));
      return lines;
    });
    for (const line of r.result) console.log(`  R         ${line}`);
    const agree = r.result.length === ours.result.length && r.result.every((l, i) => l === ours.result[i]);
    console.log(`  results agree with R: ${agree ? 'yes' : 'NO'}`);
    console.log(`  hardenlab parse+stats: ${ours.seconds.toFixed(3)} s`);
    console.log(`  R read.table+boxplot.stats: ${rInside.toFixed(3)} s inside R (${r.seconds.toFixed(3)} s with Rscript start-up)`);
    console.log(
      `  ratio R / hardenlab: ${(rInside / ours.seconds).toFixed(1)}x (goal >= 2x; ${(r.seconds / ours.seconds).toFixed(1)}x ` +
        `counting R start-up)`,
    );
    if (!agree) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
