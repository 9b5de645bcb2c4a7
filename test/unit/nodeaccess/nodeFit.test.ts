import { accessRefusal, ALWAYS_TOLERATED } from '../../../src/nodeaccess/nodeFit';

describe('which nodes may host the access pod (a nodeName pod skips the scheduler, so the connector asks first)', () => {
  test('a plain node, and one with only the lifecycle, pressure and control-plane taints, are fine', () => {
    expect(accessRefusal('n1', {}, [])).toBeUndefined();
    const taints = ALWAYS_TOLERATED.map((key) => ({ key, effect: 'NoSchedule' }));
    expect(accessRefusal('n1', { spec: { taints } }, [])).toBeUndefined();
    expect(accessRefusal('n1', { spec: { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] } }, [])).toBeUndefined();
  });

  test('a cordoned node is refused, naming it and the way back', () => {
    const taints = [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }];
    expect(accessRefusal('n2', { spec: { unschedulable: true, taints } }, [])).toBe(
      'node n2 is cordoned (spec.unschedulable): hardenlab does not start its access pod on a node taken out of service; ' +
        'uncordon it (kubectl uncordon n2) to measure it',
    );
  });

  test("another taint is refused naming every untolerated one and the worker config's field, unless the config tolerates its key", () => {
    const taints = [
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: 'team', effect: 'NoExecute' },
      { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
    ];
    expect(accessRefusal('n3', { spec: { taints } }, [])).toBe(
      'node n3 has the taints dedicated=gpu:NoSchedule, team:NoExecute, which the access pod does not tolerate: add the keys ' +
        "to nodeAccessTolerations in the worker config's experiment: section to measure this node there",
    );
    expect(accessRefusal('n3', { spec: { taints } }, ['team'])).toMatch(
      /^node n3 has the taint dedicated=gpu:NoSchedule, which .* add the key /,
    );
    expect(accessRefusal('n3', { spec: { taints } }, ['team', 'dedicated'])).toBeUndefined();
  });
});
