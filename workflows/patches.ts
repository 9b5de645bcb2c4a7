/**
 * Patch ids: every change to what a workflow commands is guarded by `patched(id)`, so a worker of
 * this release replays the histories of runs that an earlier release started (test/fixtures/histories,
 * one folder per release). Lifecycle of a patch, and why patches rather than worker versioning:
 * README, "Upgrading workers while runs are in flight".
 *
 * Why `patched()` and not worker versioning (build ids / deployments): hardenlab runs last days and
 * are started from the UI against one task queue; pinning each run to the build that started it would
 * make operators keep every older worker build running until its runs drain, on a server that supports
 * versioning. A patch keeps one worker build that replays every release's history, so an upgrade is
 * "stop the old worker, start the new one", and the replay test proves it for every recorded release.
 */
export const PATCHES = {
  /** Activities get ids that name their step (`deploy`, `kube-hunter-remote`) instead of sequence numbers. */
  namedActivityIds: 'activity-ids-name-steps',
  /** A failed health check records a gap on the node and the window goes on (no operator gate); checks are counted, not listed. */
  healthChecksRecordGaps: 'health-checks-record-gaps',
  /** Cleanup stops samplers whenever a start was attempted (a start may fail part-way), not only after a full start. */
  stopWhatStartAttempted: 'stop-what-start-attempted',
  /** Cleanup failures (reset, teardown, record) are reported beside the scenario's error; teardown failure no longer hides the report. */
  cleanupFailuresBesideError: 'cleanup-failures-beside-error',
  /** Scenarios as data: packs applied from the resolved definition, tools as it lists them, the attack battery before reset. */
  scenariosAsData: 'scenarios-as-data',
  /** tools.auditAfterWindow: kube-bench and kube-hunter after the window as audits (asked only when the input turns them on). */
  auditsAfterWindow: 'audits-after-window',
  /** A scenario run started by anything but its experiment (directly from the UI) fails as InvalidInput before any activity. */
  scenarioRunNeedsItsExperiment: 'scenario-run-needs-its-experiment',
  /** The report reads only the runs of the experiment's plan (earlier runs' reports read every scenario folder). */
  reportReadsPlan: 'report-reads-plan',
  /** Trivy as a third tool (asked only where the resolved tools config has it: runs resolved before it never do). */
  trivyTool: 'trivy-tool',
  /** Health checks on the window's grid (start + k × period): a check's own run time no longer delays every later one. */
  healthChecksOnGrid: 'health-checks-on-grid',
  /** The load phase (issue 27), asked only when the design has `load` (refused at start unless the worker opts in). */
  loadPhase: 'load-phase',
  /** The load phase sends the design's HTTP load from the worker to the app's Service (asked only when the design has load.http). */
  httpLoad: 'http-load',
} as const;
