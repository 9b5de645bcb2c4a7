/**
 * The real dependencies worker/runWorker.ts gives the activities, built the same way for a test: the
 * activities themselves have no fallback to the environment, the file system or a real client.
 */
import type { ClusterActivityDeps } from '../../activities/cluster';
import type { LoadActivityDeps } from '../../activities/load';
import { hardenlabHome } from '../../src/config/paths';
import { loadKubeClient } from '../../src/kube/client';
import { defaultProviders, type ClusterProvider, type ProviderName } from '../../src/providers';
import { ArtifactStore } from '../../src/store/artifactStore';

/** The store of `env`'s data folder (HARDENLAB_HOME, else the checkout's .hardenlab). */
export function dataFolderStore(env: NodeJS.ProcessEnv): ArtifactStore {
  return new ArtifactStore(hardenlabHome(env));
}

type ClusterOverrides = Omit<Partial<ClusterActivityDeps>, 'providers'> & { providers?: Partial<Record<ProviderName, ClusterProvider>> };

/** The cluster activities' dependencies as the worker builds them, with `overrides` (a test's own providers or store). */
export function realClusterDeps(env: NodeJS.ProcessEnv, overrides: ClusterOverrides = {}): ClusterActivityDeps {
  const { providers, ...rest } = overrides;
  return {
    env,
    store: dataFolderStore(env),
    kube: (ref) => loadKubeClient(ref),
    ...rest,
    providers: { ...defaultProviders(process.env), ...providers },
  };
}

/** The load activities' dependencies as the worker builds them (activities/index.ts), with a test's own store. */
export function realLoadDeps(env: NodeJS.ProcessEnv, overrides: Partial<LoadActivityDeps> = {}): LoadActivityDeps {
  return { store: dataFolderStore(env), kube: (ref) => loadKubeClient(ref), ...overrides };
}
