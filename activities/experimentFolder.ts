/**
 * The experiment run's artifact folder (src/store/runFolder.ts), claimed by the resolve step for the run it
 * works for: the server's workflow and run ids, never the input's.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ArtifactKey } from '../src/domain/contracts';
import type { ArtifactStore } from '../src/store/artifactStore';
import { claimRunFolder, experimentRunKey, RunFolderTaken, type RunOwner } from '../src/store/runFolder';

/** Creates (or, on a retry of the same run, finds) the run's folder; another run's folder fails non-retryably. */
export async function claimExperimentFolder(store: ArtifactStore, workflowId: string): Promise<ArtifactKey> {
  const run = currentRun(workflowId);
  const key = experimentRunKey(run.workflowId, run.runId);
  try {
    await claimRunFolder(store, key, run);
  } catch (error) {
    throw error instanceof RunFolderTaken ? ApplicationFailure.nonRetryable(error.message, 'ArtifactFolderTaken') : error;
  }
  return key;
}

/** The run an activity works for, as the server says; a direct call (tests: no activity, no run) is a run of its own. */
function currentRun(workflowId: string): RunOwner {
  let execution: RunOwner | undefined;
  try {
    execution = Context.current().info.workflowExecution;
  } catch {
    execution = undefined; // not inside an activity
  }
  return execution ? { workflowId: execution.workflowId, runId: execution.runId } : { workflowId, runId: randomUUID() };
}
