import { formatProgress, readProgress } from './progressCommand';
import { withClient } from './shared';

export async function statusCommand(workflowId: string, opts: { json?: boolean }): Promise<void> {
  await withClient(async (client) => {
    const view = await readProgress(client, workflowId);
    console.log(opts.json ? JSON.stringify(view, null, 2) : formatProgress(view));
  });
}
