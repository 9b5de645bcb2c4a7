/**
 * `hardenlab dev` on a machine with no config file and no test bed (the test bed case is the acceptance
 * test, newcomer.test.ts): it says so and prints the one command that starts a test bed, its server has
 * hardenlab's search attributes, and `{}` fails at once naming the missing cluster.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { startDev, type RunningDev } from '../../src/cli/commands/dev';
import { SEARCH_ATTRIBUTES } from '../../src/domain/searchAttributes';
import { SIM_UP_COMMAND } from '../../src/testbed/workerEnvironment';
import { sharedWorkflowBundle } from '../support/workflowBundle';

jest.setTimeout(180_000);

describe('hardenlab dev without a config file or a test bed', () => {
  let home: string;
  let dev: RunningDev | undefined;
  let client: Client | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'hardenlab-dev-'));
    // No config file in the data folder, no kubeconfig where KUBECONFIG points, no test bed in simHome.
    const env = { ...process.env, HARDENLAB_HOME: home, HARDENLAB_CONFIG: undefined, KUBECONFIG: join(home, 'no-kubeconfig') };
    dev = await startDev({ port: 0, uiPort: 0, worker: true }, { env, simHome: join(home, 'no-testbed'), log: (line) => lines.push(line), workflowBundle: sharedWorkflowBundle });
    client = new Client({ connection: await Connection.connect({ address: dev.server.address }), namespace: 'default' });
  });

  afterAll(async () => {
    await client?.connection.close();
    await dev?.stop();
    await rm(home, { recursive: true, force: true });
  });

  test('prints that there is neither, and the one command that starts a test bed', () => {
    expect(lines).toContain(`No config file (${join(home, 'config.yaml')}) and no test bed running: experiments have no cluster to run on.`);
    expect(lines.filter((line) => line.includes(SIM_UP_COMMAND))).toHaveLength(1);
    expect(lines.some((line) => line.startsWith('Start an experiment: http://127.0.0.1:'))).toBe(true);
  });

  test('its server knows the search attributes the workflow list filters by', async () => {
    const { customAttributes } = await client!.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    const known = Object.fromEntries(Object.values(SEARCH_ATTRIBUTES).map(({ name }) => [name, customAttributes?.[name]]));
    // IndexedValueType: 2 = KEYWORD, 3 = INT.
    expect(known).toEqual({ HardenlabExperiment: 2, HardenlabScenario: 2, HardenlabRepetition: 3 });
  });

  test('`{}` fails at once as InvalidInput, naming the missing kubeconfig and the test bed', async () => {
    const run = client!.workflow.execute('securityExperiment', { taskQueue: dev!.taskQueue, workflowId: `dev-empty-${Date.now()}`, args: [{}] });
    const error = await run.then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('InvalidInput');
    expect(cause!.message).toContain(`cluster.kubeconfigPath: no kubeconfig at ${join(home, 'no-kubeconfig')}`);
    expect(cause!.message).toContain('use provider "local" for the test bed');
  });
});
