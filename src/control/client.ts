/** Talks to a running supervisor over its control socket. */
import { request } from 'node:http';

export type ControlReply<T> =
  | { readonly ok: true; readonly status: number; readonly body: T }
  | { readonly ok: false; readonly reason: 'not-running' | 'error'; readonly message: string };

export function callControl<T>(
  address: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  timeoutMs = 5000,
): Promise<ControlReply<T>> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const call = request(
      { socketPath: address, method, path, timeout: timeoutMs, headers: { 'content-type': 'application/json' } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          if (response.statusCode === 503) return resolve({ ok: false, reason: 'error', message: 'the supervisor is starting' });
          try {
            resolve({ ok: true, status: response.statusCode ?? 0, body: JSON.parse(text) as T });
          } catch {
            resolve({ ok: false, reason: 'error', message: `unreadable answer from the supervisor: ${text.slice(0, 80)}` });
          }
        });
      },
    );
    call.on('timeout', () => call.destroy(new Error(`the supervisor did not answer within ${timeoutMs} ms`)));
    call.on('error', (error: NodeJS.ErrnoException) => {
      const absent = error.code === 'ECONNREFUSED' || error.code === 'ENOENT';
      resolve({ ok: false, reason: absent ? 'not-running' : 'error', message: error.message });
    });
    call.end(payload);
  });
}
