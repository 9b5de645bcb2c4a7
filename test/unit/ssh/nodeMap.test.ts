import { ApplicationFailure } from '@temporalio/common';
import { parseNodeMap } from '../../../src/ssh/nodeMapFile';

function failure(text: string): ApplicationFailure {
  try {
    parseNodeMap(text, '/etc/hardenlab/nodes.yaml');
  } catch (error) {
    return error as ApplicationFailure;
  }
  throw new Error('expected the node map to be refused');
}

describe('node map loading', () => {
  it('reads YAML with defaults and resolves relative paths against the file', () => {
    const map = parseNodeMap('nodes:\n  - name: n1\n    host: 10.0.0.1\n    privateKeyPath: keys/id\n    knownHostsPath: /abs/kh\n', '/etc/hl/nodes.yaml');
    expect(map.nodes[0]).toMatchObject({ name: 'n1', host: '10.0.0.1', port: 22, user: 'root', trustOnFirstUse: false, privateKeyPath: '/etc/hl/keys/id', knownHostsPath: '/abs/kh' });
  });
  it('reads JSON too', () => {
    const map = parseNodeMap(JSON.stringify({ nodes: [{ name: 'n1', host: 'h', port: 2222, user: 'ops', agentSocket: '/run/agent' }] }), 'nodes.json');
    expect(map.nodes[0]).toMatchObject({ port: 2222, user: 'ops', agentSocket: '/run/agent' });
  });
  it('names the file and the field of a bad value, non-retryable', () => {
    const error = failure('nodes:\n  - name: n1\n    host: h\n  - name: n2\n    host: h2\n    port: 70000\n');
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error.nonRetryable).toBe(true);
    expect(error.type).toBe('NodeMapInvalid');
    expect(error.message).toContain('/etc/hardenlab/nodes.yaml');
    expect(error.message).toContain('nodes[1].port');
  });
  it('refuses unknown fields, bad fingerprints, duplicates and broken YAML', () => {
    expect(failure('nodes:\n  - name: n1\n    host: h\n    hostname: x\n').message).toMatch(/nodes\[0\]/);
    expect(failure('nodes:\n  - name: n1\n    host: h\n    hostKeyFingerprint: MD5:aa\n').message).toContain('nodes[0].hostKeyFingerprint');
    expect(failure('nodes:\n  - {name: n1, host: a}\n  - {name: n1, host: b}\n').message).toContain('nodes[1].name: duplicate node n1');
    expect(failure('nodes: [\n').message).toContain('not YAML/JSON');
    expect(failure('nodes: []\n').message).toContain('nodes');
  });
});
