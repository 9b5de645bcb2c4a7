/** The health-check cap keeps a window's history far below Temporal's limit (sizes: test/workflows/durability.test.ts). */
import { MAX_HEALTH_CHECKS_PER_WINDOW, validateExperiment } from '../../../src/config/experiment';

test('a 24 h window with a 10 s health check is rejected, naming the field, the limit and the least interval', () => {
  const result = validateExperiment({ window: { durationSeconds: 86_400, healthCheckSeconds: 10 } });
  expect(result.ok).toBe(false);
  expect(result.ok ? [] : result.errors).toEqual([
    { field: 'window.healthCheckSeconds', message: expect.stringMatching(/at most 1440 health checks per window \(Temporal's history limit\).*at least 60, got 10/) },
  ]);
});

test('the largest accepted configurations pass: a check a minute over a day, 30 days at the cap', () => {
  expect(MAX_HEALTH_CHECKS_PER_WINDOW).toBe(1440);
  expect(validateExperiment({ window: { durationSeconds: 86_400, healthCheckSeconds: 60 } }).ok).toBe(true);
  expect(validateExperiment({ window: { durationSeconds: 30 * 86_400, healthCheckSeconds: 1800 } }).ok).toBe(true);
  expect(validateExperiment({ window: { durationSeconds: 30 * 86_400, healthCheckSeconds: 1799 } }).ok).toBe(false);
});
