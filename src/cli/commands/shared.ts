import type { Client } from '@temporalio/client';
import { loadWorkerConfig, type WorkerConfig } from '../../config/workerConfig';
import { connectClient } from '../../temporal/temporalConnection';

export async function temporalSettings(): Promise<WorkerConfig['temporal']> {
  return (await loadWorkerConfig()).config.temporal;
}

export async function withClient<T>(fn: (client: Client, temporal: WorkerConfig['temporal']) => Promise<T>): Promise<T> {
  const temporal = await temporalSettings();
  const client = await connectClient(temporal);
  try {
    return await fn(client, temporal);
  } finally {
    await client.connection.close();
  }
}

/** Resolves on SIGINT/SIGTERM, so long-running commands shut down cleanly. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => resolve(signal);
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
  });
}

export function startLink(uiUrl: string, taskQueue: string): string {
  return `${uiUrl}/namespaces/default/workflows/start-workflow?workflowType=securityExperiment&taskQueue=${encodeURIComponent(taskQueue)}`;
}
