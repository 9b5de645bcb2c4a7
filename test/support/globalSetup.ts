import { ensureTestbed, registerTestbedUser } from './testbed';

/** Jest globalSetup of the integration project: the test bed runs before any integration test. */
export default async function globalSetup(): Promise<void> {
  const testbed = await ensureTestbed();
  registerTestbedUser();
  process.stderr.write(`[testbed] ${testbed.startedHere ? 'started' : 'reusing'} ${testbed.apiServerUrl} (${testbed.nodeNames.join(', ')})\n`);
}
