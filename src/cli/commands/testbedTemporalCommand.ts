import { teamServerDown, teamServerStatus, teamServerUp } from '../../team';

const log = (line: string) => console.log(`[testbed temporal] ${line}`);

/** `hardenlab testbed temporal up|down|status`: the team set-up (PostgreSQL, Temporal server, Web UI) run natively. */
export async function testbedTemporalCommand(action: 'up' | 'down' | 'status', options: { purge?: boolean } = {}): Promise<void> {
  if (action === 'up') {
    const up = await teamServerUp({ env: process.env, log });
    console.log(`Temporal:   ${up.address} (server ${up.versions.temporal}, namespace default)`);
    console.log(`Web UI:     ${up.uiUrl} (ui-server ${up.versions.ui})`);
    console.log(`PostgreSQL: ${up.postgres} (databases temporal, temporal_visibility)`);
    console.log(`workers:    TEMPORAL_ADDRESS=${up.address} hardenlab worker   (start several: they share the task queue)`);
    console.log(`ready in ${(up.durationMs / 1000).toFixed(1)} s`);
  } else if (action === 'down') {
    const stopped = await teamServerDown({ env: process.env, log, purge: options.purge });
    console.log(
      `stopped: ${stopped.join(', ') || 'nothing was running'}${options.purge ? ' (data removed)' : ' (data kept; --purge removes it)'}`,
    );
  } else {
    const s = await teamServerStatus({ env: process.env });
    const state = (pid: number | undefined, ok = true) =>
      pid === undefined ? 'stopped' : ok ? `running (pid ${pid})` : `started (pid ${pid}), not answering`;
    console.log(`PostgreSQL:      ${state(s.postgres.pid)} ${s.postgres.address}`);
    console.log(`Temporal server: ${state(s.server.pid, s.server.healthy)} ${s.server.address} (${s.versions.temporal})`);
    console.log(`Web UI:          ${state(s.ui.pid, s.ui.serves)} ${s.ui.url} (${s.versions.ui})`);
    console.log(`data:            ${s.dir}`);
  }
}
