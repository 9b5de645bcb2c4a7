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
} as const;
