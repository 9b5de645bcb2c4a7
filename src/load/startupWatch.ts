/**
 * Pod startup times of the churn from a watch (issue 27): each pod's created → scheduled → initialized →
 * containersReady → ready, reported once, when it becomes Ready or is deleted first (then with the phases it
 * reached). A watch the server closes is listed and watched again, so a day-long churn keeps its watch.
 */
import { podStartup, type PodStartup } from '../analysis/load';
import type { KubeClient, KubeObject } from '../kube/kubeObjects';

export interface StartupWatchOptions {
  namespace: string;
  labelSelector: string;
  /** Only these pods are reported (the ones this attempt created). */
  wanted: (name: string) => boolean;
  onStartup: (startup: PodStartup) => void;
  onError?: (error: unknown) => void;
}

const isReady = (pod: KubeObject) =>
  ((pod.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? []).some(
    (c) => c.type === 'Ready' && c.status === 'True',
  );

export class StartupWatch {
  private readonly reported = new Set<string>();
  private readonly lastSeen = new Map<string, KubeObject>();
  private stopped = false;
  private stopCurrent: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly client: KubeClient, private readonly options: StartupWatchOptions) {}

  /** Lists, then watches until stopped; resolves once the first watch is open. */
  async start(): Promise<void> {
    const { done } = await this.open();
    this.running = this.keepWatching(done);
  }

  private async open(): Promise<{ done: Promise<unknown> }> {
    const { namespace, labelSelector } = this.options;
    const listed = await this.client.list('v1', 'Pod', { namespace, labelSelector });
    for (const pod of listed.items) this.seen(pod, false);
    const options = { namespace, labelSelector, resourceVersion: listed.resourceVersion };
    const handle = await this.client.watch('v1', 'Pod', options, (type, pod) => {
      if (type === 'ADDED' || type === 'MODIFIED') this.seen(pod, false);
      else if (type === 'DELETED') this.seen(pod, true);
    });
    this.stopCurrent = handle.stop;
    return { done: handle.done };
  }

  private async keepWatching(done: Promise<unknown>): Promise<void> {
    for (;;) {
      const error = await done;
      if (this.stopped) return;
      if (error) this.options.onError?.(error);
      try {
        ({ done } = await this.open());
        if (this.stopped) this.stopCurrent?.();
      } catch (err) {
        this.options.onError?.(err);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        done = Promise.resolve(null);
      }
    }
  }

  private seen(pod: KubeObject, deleted: boolean): void {
    const name = pod.metadata?.name;
    if (!name || this.reported.has(name) || !this.options.wanted(name)) return;
    this.lastSeen.set(name, pod);
    if (deleted || isReady(pod)) this.report(name, pod);
  }

  private report(name: string, pod: KubeObject): void {
    this.reported.add(name);
    this.lastSeen.delete(name);
    try {
      this.options.onStartup(podStartup(pod, 'churn pod'));
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  /** Stops watching and reports the pods seen but never Ready nor deleted, with the phases they reached. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopCurrent?.();
    // An aborted watch settles its stream; bounded in case a client never does.
    await Promise.race([this.running, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    for (const [name, pod] of [...this.lastSeen]) this.report(name, pod);
  }

  get reportedCount(): number {
    return this.reported.size;
  }
}
