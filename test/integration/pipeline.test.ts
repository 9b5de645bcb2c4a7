/**
 * A worker with the production activities on a real dev server, given `{}` from the UI and no configuration.
 * Every preset's full run on the test bed is scenarios.test.ts's (one run of the suite's time, not two).
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startWorkerRun } from '../support/workerRun';

jest.setTimeout(2 * 60_000);

test('{} from the UI on an unconfigured worker fails at once, naming the one missing setting: a kubeconfig', async () => {
  const emptyHome = await fs.mkdtemp(path.join(os.tmpdir(), 'hardenlab-unconfigured-'));
  const run = await startWorkerRun({
    dir: emptyHome,
    taskQueue: 'it-unconfigured',
    env: { ...process.env, HARDENLAB_HOME: emptyHome, HARDENLAB_CONFIG: '', KUBECONFIG: path.join(emptyHome, 'no-kubeconfig') },
  });
  try {
    const started = Date.now();
    const err = await run.client.workflow
      .execute('securityExperiment', { taskQueue: 'it-unconfigured', workflowId: `it-unconfigured-${Date.now()}`, args: [{}] })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('InvalidInput');
    expect(cause.message).toContain('cluster.kubeconfigPath');
    // A kubeconfig is all it needs: without a node map the nodes are reached through the Kubernetes API (issue 24).
    expect(cause.message).not.toContain('nodeMapPath');
  } finally {
    await run.stop();
    await fs.rm(emptyHome, { recursive: true, force: true });
  }
});
