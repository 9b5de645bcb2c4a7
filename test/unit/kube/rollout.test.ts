import { rolledOut } from '../../../src/kube/deploy';
import type { KubeObject } from '../../../src/kube/kubeObjects';

function deployment(spec: number, generation: number, status: Record<string, number>): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', generation }, spec: { replicas: spec }, status };
}

describe('rolledOut', () => {
  it('needs every desired replica updated and available for the observed generation', () => {
    expect(rolledOut(deployment(3, 1, { observedGeneration: 1, updatedReplicas: 3, availableReplicas: 3, replicas: 3 }), 3)).toBe(true);
    expect(rolledOut(deployment(3, 1, { observedGeneration: 1, updatedReplicas: 3, availableReplicas: 2 }), 3)).toBe(false);
    expect(rolledOut(deployment(3, 1, { observedGeneration: 1, updatedReplicas: 2, availableReplicas: 3 }), 3)).toBe(false);
  });

  it('ignores a status the controller has not yet computed for the new generation', () => {
    // Scale 5 -> 3 just applied: the old status still shows 5 available, for generation 1.
    expect(rolledOut(deployment(3, 2, { observedGeneration: 1, updatedReplicas: 5, availableReplicas: 5 }), 3)).toBe(false);
    expect(rolledOut(deployment(5, 2, { observedGeneration: 2, updatedReplicas: 5, availableReplicas: 5 }), 3)).toBe(false);
  });

  it('is false for a missing Deployment', () => {
    expect(rolledOut(null, 1)).toBe(false);
  });
});
