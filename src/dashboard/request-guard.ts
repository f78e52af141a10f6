/**
 * Pure: whether a request to the dashboard may be answered. Three checks, each against a known
 * attack on local dev servers:
 * - Host must be the loopback name and port we listen on: a DNS-rebinding page (evil.example
 *   resolving to 127.0.0.1) sends its own host name.
 * - Origin, when present, must be the dashboard's own: another tab's page can send requests to
 *   127.0.0.1 but not forge its Origin (process-compose had an advisory for exactly this). Fetch
 *   metadata (`Sec-Fetch-Site: cross-site`) is refused for the same reason.
 * - The per-run token, in the `?token=` of the page's URL or the `x-devstack-token` header of API
 *   calls: another local user or process that finds the port still cannot drive the stack.
 */
import { timingSafeEqual } from 'node:crypto';

export const TOKEN_HEADER = 'x-devstack-token';

export type GuardVerdict = { readonly type: 'allowed' } | { readonly type: 'refused'; readonly status: 401 | 403; readonly reason: string };

export interface GuardRequest {
  readonly host: string | undefined;
  readonly origin: string | undefined;
  readonly fetchSite: string | undefined;
  /** From the header or the query. */
  readonly token: string | undefined;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function checkRequest(request: GuardRequest, port: number, token: string): GuardVerdict {
  const hosts = LOOPBACK_NAMES.map((name) => `${name}:${port}`);
  if (request.host === undefined || !hosts.includes(request.host.toLowerCase()))
    return { type: 'refused', status: 403, reason: `unexpected Host ${JSON.stringify(request.host ?? '')}` };
  if (request.origin !== undefined && !hosts.map((host) => `http://${host}`).includes(request.origin.toLowerCase()))
    return { type: 'refused', status: 403, reason: `cross-origin request from ${request.origin}` };
  if (request.fetchSite === 'cross-site' || request.fetchSite === 'same-site')
    return { type: 'refused', status: 403, reason: `cross-site request (Sec-Fetch-Site: ${request.fetchSite})` };
  if (request.token === undefined || !sameToken(request.token, token))
    return { type: 'refused', status: 401, reason: 'missing or wrong token: open the URL that "devstack dashboard" prints' };
  return { type: 'allowed' };
}
