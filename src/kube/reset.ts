import type { ResetResult, ScopedRequest } from '../domain/contracts';
import { safeHeartbeat } from '../temporal/heartbeat';
import { failureTypeOf, KubeFailure } from './errors';
import { runLabelSelector } from './manifests';
import type { ApiResourceType, KubeClient, KubeObject } from './types';
import { pause } from './wait';

export interface ResetOptions {
  now: () => number;
  /** Bound on the wait for everything to disappear. */
  timeoutMs: number;
  pollIntervalMs: number;
  log?: (line: string) => void;
}

type Entry = ResetResult['removed'][number];

interface Found {
  type: ApiResourceType;
  object: KubeObject;
}

/** Kinds never labelled by us and expensive to list (events), or not deletable objects at all. */
const SKIPPED_KINDS = new Set(['Event', 'Binding', 'ComponentStatus']);

function entryOf(found: Found): Entry {
  const e: Entry = { kind: found.type.kind, name: found.object.metadata.name };
  if (found.object.metadata.namespace) e.namespace = found.object.metadata.namespace;
  return e;
}

function keyOf(e: Entry): string {
  return `${e.kind}/${e.namespace ?? ''}/${e.name}`;
}

/** Every labelled object of the run, across all namespaces and resource types the caller may list. */
async function findLabelled(client: KubeClient, types: ApiResourceType[], selector: string, log: (line: string) => void): Promise<Found[]> {
  const found: Found[] = [];
  for (const type of types) {
    try {
      const { items } = await client.list(type.apiVersion, type.kind, { labelSelector: selector });
      for (const object of items) found.push({ type, object });
    } catch (err) {
      // A type the user may not list cannot hold objects this run created with the same credentials.
      if (failureTypeOf(err) === KubeFailure.KubeForbidden || failureTypeOf(err) === KubeFailure.KubeNotFound) {
        log(`reset: skipping ${type.apiVersion} ${type.kind}: ${(err as Error).message}`);
        continue;
      }
      throw err;
    }
    safeHeartbeat({ step: 'reset-scan', type: type.kind });
  }
  return found;
}

/** Objects whose owner is also being deleted go with it (garbage collection); deleting them directly races their controller. */
function unowned(found: Found[]): Found[] {
  const uids = new Set(found.map((f) => f.object.metadata.uid).filter(Boolean));
  return found.filter((f) => {
    const owners = (f.object.metadata.ownerReferences ?? []) as { uid?: string }[];
    return !owners.some((o) => o.uid && uids.has(o.uid));
  });
}

/** Namespaced objects first, then cluster-scoped ones, namespaces last (their deletion sweeps the rest). */
function deletionOrder(found: Found[]): Found[] {
  const rank = (f: Found) => (f.type.kind === 'Namespace' ? 2 : f.type.namespaced ? 0 : 1);
  return [...found].sort((a, b) => rank(a) - rank(b));
}

async function deleteAll(client: KubeClient, found: Found[]): Promise<void> {
  for (const f of deletionOrder(unowned(found))) {
    await client.delete(f.type.apiVersion, f.type.kind, f.object.metadata.name, f.object.metadata.namespace);
  }
}

/**
 * Deletes everything labelled with the run (any kind, any namespace, cluster-scoped objects and the
 * namespace itself), waits until it is gone (bounded, heartbeating), then scans every type again and
 * reports what was removed and what is left. Safe to run twice and when nothing exists.
 */
export async function resetRun(client: KubeClient, req: Pick<ScopedRequest, 'runId'>, options: ResetOptions): Promise<ResetResult> {
  const log = options.log ?? (() => undefined);
  const selector = runLabelSelector(req.runId);
  const types = (await client.discover()).filter(
    (t) => t.verbs.includes('list') && t.verbs.includes('delete') && !SKIPPED_KINDS.has(t.kind),
  );
  const initial = await findLabelled(client, types, selector, log);
  await deleteAll(client, initial);

  // While waiting, only the kinds that held objects are re-listed; the final scan covers every kind.
  const busyTypes = types.filter((t) => initial.some((f) => f.type === t));
  const deadline = options.now() + options.timeoutMs;
  let lastDeleteRound = options.now();
  let remaining = initial;
  while (remaining.length > 0 && options.now() < deadline) {
    await pause(options.pollIntervalMs);
    remaining = await findLabelled(client, busyTypes, selector, log);
    safeHeartbeat({ step: 'reset-wait', remaining: remaining.length });
    if (remaining.length > 0 && options.now() - lastDeleteRound > 10_000) {
      // Objects recreated meanwhile (a controller racing the deletion) get deleted again.
      await deleteAll(client, remaining.filter((f) => !f.object.metadata.deletionTimestamp));
      lastDeleteRound = options.now();
    }
  }

  const leftovers = (await findLabelled(client, types, selector, log)).map(entryOf);
  const left = new Set(leftovers.map(keyOf));
  const removed = [...new Map(initial.map(entryOf).map((e) => [keyOf(e), e])).values()].filter((e) => !left.has(keyOf(e)));
  return { removed, leftovers };
}
