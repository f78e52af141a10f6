/**
 * One request, one answer, over the supervisor's unix socket: what `down`, `ps`, `restart`… ask.
 * Written on node:net rather than node:http because Node's HTTP client is set up lazily on its first
 * request, and a CLI makes only one: measured from a fresh process, the first status through
 * node:http takes 25–31 ms (7 ms to load it, 18–24 for the request), through this 5–6 ms. Streams
 * (logs, events) still use node:http (client.ts). HTTP/1.1 with `Connection: close`: the answer
 * ends when the supervisor closes, its body sized by Content-Length or chunked (both decoded).
 */
import { connect } from 'node:net';
import { err, ok, type Result } from '../util/result.js';

export interface PlainAnswer {
  readonly statusCode: number;
  /** Header names lowercased; a repeated header keeps its last value. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

export type PlainFailure =
  { readonly type: 'absent' } | { readonly type: 'timeout' } | { readonly type: 'broken'; readonly message: string };

export interface PlainRequest {
  readonly socketPath: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  readonly timeoutMs: number;
}

export function plainRequest(request: PlainRequest): Promise<Result<PlainAnswer, PlainFailure>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(request.socketPath);
    let settled = false;
    const finish = (result: Result<PlainAnswer, PlainFailure>): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(request.timeoutMs, () => finish(err({ type: 'timeout' })));
    socket.on('connect', () => socket.write(requestText(request)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      finish(
        err(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? { type: 'absent' } : { type: 'broken', message: error.message }),
      ),
    );
    // Closed, after the supervisor's end or destroyed by it: whatever arrived is judged as it is
    // (an error or the timeout has settled it first otherwise).
    socket.on('close', () => finish(parseAnswer(Buffer.concat(chunks))));
  });
}

function requestText({ method, path, headers, body }: PlainRequest): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'host: localhost', 'connection: close'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  lines.push(`content-length: ${body === undefined ? 0 : Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

function parseAnswer(raw: Buffer): Result<PlainAnswer, PlainFailure> {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd === -1) return err({ type: 'broken', message: 'the answer ended before its headers did' });
  const [statusLine = '', ...headerLines] = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (status === null) return err({ type: 'broken', message: `not an HTTP answer: ${statusLine.slice(0, 40)}` });
  const headers = new Map<string, string>();
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = raw.subarray(headEnd + 4);
  if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? '')) {
    const decoded = dechunk(body);
    if (decoded === undefined) return err({ type: 'broken', message: 'the answer broke off' });
    body = decoded;
  } else if (headers.has('content-length')) {
    const length = Number(headers.get('content-length'));
    if (body.length < length) return err({ type: 'broken', message: 'the answer broke off' });
    body = body.subarray(0, length);
  }
  return ok({ statusCode: Number(status[1]), headers, body: body.toString('utf8') });
}

/** A chunked body, decoded; undefined when it stops before its last (empty) chunk. */
function dechunk(encoded: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = encoded.indexOf('\r\n', at);
    if (lineEnd === -1) return undefined;
    const size = Number.parseInt(encoded.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (encoded.length < start + size) return undefined;
    parts.push(encoded.subarray(start, start + size));
    at = start + size + 2;
  }
}
