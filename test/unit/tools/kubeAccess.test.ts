import { describeApiError } from '../../../src/tools/kubeAccess';

describe('API errors in tool messages', () => {
  it("shows the status code and the API server's own message", () => {
    const body = JSON.stringify({ kind: 'Status', status: 'Failure', message: 'Get "https://n1:10247/containerLogs/ns/p/c": no such host', code: 500 });
    expect(describeApiError({ code: 500, body, message: 'HTTP-Code: 500\nMessage: Unknown API Status Code!' })).toBe(
      'HTTP 500: Get "https://n1:10247/containerLogs/ns/p/c": no such host',
    );
    expect(describeApiError({ code: 404, body: 'not json' })).toBe('HTTP 404: not json');
    expect(describeApiError(new Error('no answer within 100 ms\nmore'))).toBe('no answer within 100 ms');
    expect(describeApiError(undefined)).toBe('undefined');
  });
});
