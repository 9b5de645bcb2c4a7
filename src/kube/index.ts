/** The Kubernetes access layer: interface, loader (lazy @kubernetes/client-node), error classes, manifests, steps. */
export * from './kubeObjects';
export { loadKubeClient, type LoadKubeClientOptions } from './client';
export {
  KubeFailure,
  KubeTransient,
  KubeTransientError,
  classifyKubeError,
  failureTypeOf,
  classifiedStatusOf,
  isNonRetryable,
  type KubeFailureType,
  type KubeOperation,
} from './kubeFailures';
export { runLabels, runLabelSelector, runLabelValue } from './manifests';
export { waitForObject, type WaitOptions, type WaitOutcome, type WaitTarget } from './wait';
export { collectFacts, detectCni, detectLoadBalancerController } from './facts';
