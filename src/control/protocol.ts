/** The supervisor's control API, spoken as JSON over HTTP on the control socket. */
import type { RestartOutcome, ServiceSnapshot } from '../supervisor/events.js';

export interface StatusResponse {
  readonly pid: number;
  readonly runId: string;
  readonly startedAt: string;
  readonly configFile: string;
  readonly services: readonly ServiceSnapshot[];
}

export interface StopRequest {
  /** Empty: everything, after which the supervisor exits. */
  readonly services: readonly string[];
}

export interface RestartRequest {
  readonly service: string;
}

export type RestartResponse = RestartOutcome;
