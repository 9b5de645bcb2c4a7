/** A sampling request's own checks: what sadc and the node-side paths need, before any node is touched. */
import { ApplicationFailure } from '@temporalio/common';
import type { SamplingRequest } from '../domain/contracts';

export function validateSamplingRequest(req: SamplingRequest): void {
  if (!Number.isFinite(req.intervalSeconds) || req.intervalSeconds < 1) {
    throw ApplicationFailure.nonRetryable(
      `intervalSeconds must be at least 1 (sadc counts whole seconds), got ${req.intervalSeconds}`,
      'InvalidSamplingRequest',
    );
  }
  if (!Number.isFinite(req.durationSeconds) || req.durationSeconds < req.intervalSeconds) {
    throw ApplicationFailure.nonRetryable(
      `durationSeconds must be at least intervalSeconds, got ${req.durationSeconds}`,
      'InvalidSamplingRequest',
    );
  }
  if (!/^[A-Za-z0-9._-]+$/.test(req.runId)) {
    throw ApplicationFailure.nonRetryable(
      `runId ${JSON.stringify(req.runId)} may hold only letters, digits, '.', '_' and '-'`,
      'InvalidSamplingRequest',
    );
  }
}
