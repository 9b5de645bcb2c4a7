/**
 * Tests that cannot run on this machine are reported as skipped, with the reason in their name, and never
 * pass. The choice is made when the file is loaded (jest's `it.skip` / `describe.skip`), not inside a test.
 * A requirement that scripts/setup.sh --test installs (or the test run itself provides, like the test bed's
 * users) may not be missing under CI=true: there the test is defined and fails, naming what is missing.
 * test/runner/run-tests.js lists every `[skipped: …]` reason next to the final counts.
 */
export interface Requirement {
  /** Whether the test can run here. */
  met: boolean;
  /** What is missing, for the test name: "Rscript is not installed". */
  missing: string;
  /** True when scripts/setup.sh --test (or the test run) provides it, so CI must never skip it. */
  providedBySetup: boolean;
}

/** CI systems set CI to `true`, `1`, `yes` or their own name: anything but unset, empty, `0`, `false`, `no` or `off` counts. */
export const inCi = (env: NodeJS.ProcessEnv = process.env): boolean => !/^(|0|false|no|off)$/i.test((env.CI ?? '').trim());

const skippedName = (name: string, requirement: Requirement) => `${name} [skipped: ${requirement.missing}]`;

function missingUnderCi(requirement: Requirement): () => never {
  return () => {
    throw new Error(`${requirement.missing}, but scripts/setup.sh --test provides it: under CI this test must run, not skip`);
  };
}

/** `it` when the requirement is met; otherwise `it.skip` with the reason in the name (a failure under CI when set-up provides it). */
export function itWhen(requirement: Requirement): (name: string, fn: jest.ProvidesCallback, timeout?: number) => void {
  return (name, fn, timeout) => {
    if (requirement.met) it(name, fn, timeout);
    else if (requirement.providedBySetup && inCi()) it(name, missingUnderCi(requirement));
    else it.skip(skippedName(name, requirement), fn, timeout);
  };
}

/** `describe` when the requirement is met; otherwise `describe.skip` with the reason in the name (a failing test under CI when set-up provides it). */
export function describeWhen(requirement: Requirement): (name: string, fn: () => void) => void {
  return (name, fn) => {
    if (requirement.met) describe(name, fn);
    else if (requirement.providedBySetup && inCi()) describe(name, () => it('can run', missingUnderCi(requirement)));
    else describe.skip(skippedName(name, requirement), fn);
  };
}
