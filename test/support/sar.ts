/** Mean %user of `sar -u` (the thesis's CPU measure) over its rows for all CPUs (`HH:MM:SS all ...`). */
export function sarMeanUser(output: string): number {
  const rows = output
    .split('\n')
    .filter((line) => /^\d\d:\d\d:\d\d\s+all\s/.test(line))
    .map((line) => Number(line.trim().split(/\s+/)[2]));
  if (rows.length === 0) throw new Error(`no sar rows in:\n${output}`);
  return rows.reduce((sum, value) => sum + value, 0) / rows.length;
}
