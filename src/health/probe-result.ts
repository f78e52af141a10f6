/** What one probe attempt reports: ready, or why not (never a throw). */
import { err, ok, type Result } from '../util/result.js';

export interface ProbeFailure {
  readonly message: string;
  /** Set when the answer is definite and would repeat (an HTTP status): the key for "stuck" detection. */
  readonly definite?: string | undefined;
  /** What to change when the definite answer means the service is in fact up. */
  readonly hint?: string | undefined;
}

export type ProbeResult = Result<undefined, ProbeFailure>;

export const PROBE_OK: ProbeResult = ok(undefined);

export function probeFailed(message: string, extra: Omit<ProbeFailure, 'message'> = {}): ProbeResult {
  return err({ message, ...extra });
}
