/**
 * Per-step timeouts and retry policies. Long steps heartbeat, so a dead worker is noticed within
 * the heartbeat timeout instead of the step's whole budget, and retries resume from heartbeat details.
 */
import { ActivityCancellationType, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';

const NON_RETRYABLE = ['InvalidInput'];

function policy(maximumAttempts: number, maximumInterval = '5 minutes', initialInterval = '5 seconds'): ActivityOptions['retry'] {
  return { maximumAttempts, initialInterval, maximumInterval, backoffCoefficient: 2, nonRetryableErrorTypes: NON_RETRYABLE };
}

export const stepOptions = {
  resolve: { startToCloseTimeout: '1 minute', retry: policy(3) },
  provision: { startToCloseTimeout: '2 hours', heartbeatTimeout: '2 minutes', retry: policy(5) },
  cluster: { startToCloseTimeout: '30 minutes', heartbeatTimeout: '1 minute', retry: policy(5) },
  tools: { startToCloseTimeout: '1 hour', heartbeatTimeout: '2 minutes', retry: policy(3) },
  sampling: { startToCloseTimeout: '2 minutes', retry: policy(5, '1 minute') },
  // Starting may install sysstat on a fresh node (up to 15 minutes, heartbeating every 20 s).
  startSampling: { startToCloseTimeout: '20 minutes', heartbeatTimeout: '1 minute', retry: policy(5, '1 minute') },
  // `sadf -j` on a day of one-second samples (up to 30 minutes, heartbeating every 20 s) plus the downloads.
  collect: { startToCloseTimeout: '1 hour', heartbeatTimeout: '2 minutes', retry: policy(10) },
  // With reboot: true the nodes reboot one after another, each within 15 minutes (SSH back, then Ready).
  bootTime: { startToCloseTimeout: '3 hours', heartbeatTimeout: '2 minutes', retry: policy(3) },
  // The churn runs through its load span (a window is at most 30 days); the heartbeat notices a dead worker, and the
  // workflow waits for a cancelled churn to stop before reset deletes its pods.
  load: {
    startToCloseTimeout: '31 days',
    heartbeatTimeout: '2 minutes',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: policy(5),
  },
  reset: { startToCloseTimeout: '30 minutes', heartbeatTimeout: '1 minute', retry: policy(10, '2 minutes') },
  record: { startToCloseTimeout: '5 minutes', retry: policy(10, '1 minute') },
  report: { startToCloseTimeout: '30 minutes', heartbeatTimeout: '2 minutes', retry: policy(3) },
} satisfies Record<string, ActivityOptions>;

export const healthCheckOptions: LocalActivityOptions = { startToCloseTimeout: '2 minutes', retry: policy(5, '1 minute') };
