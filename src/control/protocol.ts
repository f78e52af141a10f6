/**
 * The supervisor's control API: JSON over HTTP on the stack's Unix socket, one shape per request
 * and response, shared by server and client. Every answer carries the protocol version in a
 * header; a client that meets another version (a supervisor started by an older devstack) says so
 * instead of misreading the answer. Bump PROTOCOL_VERSION when a shape changes incompatibly.
 */
import type { RestartOutcome, ServiceSnapshot, StampedEvent, StartupOutcome } from '../supervisor/events.js';

export const PROTOCOL_VERSION = 2;
export const PROTOCOL_HEADER = 'devstack-protocol';

export interface StatusResponse {
  readonly protocol: number;
  readonly pid: number;
  readonly runId: string;
  readonly startedAt: string;
  readonly configFile: string;
  /** Whether startup has finished (every requested service ready, or failed). */
  readonly startupDone: boolean;
  readonly services: readonly ServiceSnapshot[];
  /** The dashboard's URL with its token, when it is on. */
  readonly dashboardUrl?: string | undefined;
  /** The proxy's entry URL, when there is one. */
  readonly proxyUrl?: string | undefined;
  /**
   * The proxy as a row of its own (`ps`, the dashboard): on nginx, nginx's master pid; on devstack's
   * own engine it runs in the supervisor (no pid of its own: the supervisor's).
   */
  readonly proxy?:
    | {
        readonly url: string;
        readonly httpsUrl?: string | undefined;
        readonly port: number;
        readonly engine?: 'nginx' | 'node' | undefined;
        readonly pid?: number | undefined;
      }
    | undefined;
}

export interface ServiceRequest {
  readonly service: string;
}

export interface StopRequest {
  /** These and their dependents. */
  readonly services: readonly string[];
}

export interface StopResponse {
  readonly stopped: readonly string[];
}

export type StartResponse = StartupOutcome;
export type RestartResponse = RestartOutcome;

export interface ErrorResponse {
  readonly error: string;
}

/** Every route: method, path, request and response shapes. The events route streams JSON lines. */
export interface Routes {
  'GET /v2/status': { request: undefined; response: StatusResponse };
  'POST /v2/start': { request: ServiceRequest; response: StartResponse };
  'POST /v2/stop': { request: StopRequest; response: StopResponse };
  'POST /v2/restart': { request: ServiceRequest; response: RestartResponse };
  'POST /v2/shutdown': { request: undefined; response: { readonly ok: true } };
}

export type Route = keyof Routes;

/**
 * `GET /v2/logs?services=a,b&lines=<n>&since=<ISO time>&follow=1`: JSON lines of LogEntry, the
 * history merged in time order, then new lines while following. No `services`: every service.
 */
export const LOGS_PATH = '/v2/logs';

export interface LogsRequest {
  readonly services?: readonly string[] | undefined;
  /** The last N lines of each service; all when undefined. */
  readonly lines?: number | undefined;
  readonly since?: string | undefined;
  readonly follow: boolean;
}

/** `GET /v2/events?since=<seq>&follow=1`: kept events after `since`, then live ones while following. */
export const EVENTS_PATH = '/v2/events';
export type EventLine = StampedEvent;
