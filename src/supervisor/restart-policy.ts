/**
 * Pure: what to do when a service that was ready exits by itself. Back-off starts at 0.5 s and
 * doubles to a 30 s cap; a minute of stable running forgets earlier crashes. Between restarts the
 * supervisor only holds a timer, so a crash-looping service costs no CPU.
 */
export type RestartPolicy = 'no' | 'on-failure' | 'always';

export const FIRST_BACKOFF_MS = 500;
export const MAX_BACKOFF_MS = 30_000;
export const STABLE_AFTER_MS = 60_000;

export interface CrashInput {
  readonly policy: RestartPolicy;
  readonly maxRestarts: number;
  readonly exitCode: number | null;
  /** How long the process ran before exiting. */
  readonly ranForMs: number;
  /** Restarts already made without a stable minute in between. */
  readonly consecutiveRestarts: number;
}

export type RestartDecision =
  | { readonly type: 'restart'; readonly delayMs: number; readonly attempt: number }
  | { readonly type: 'stay-down'; readonly reason: 'policy' }
  | { readonly type: 'give-up'; readonly restarts: number };

export function backoffMs(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.max(0, attempt - 1));
}

export function decideRestart(input: CrashInput): RestartDecision {
  const failed = input.exitCode !== 0;
  if (input.policy === 'no' || (input.policy === 'on-failure' && !failed)) return { type: 'stay-down', reason: 'policy' };
  const previous = input.ranForMs >= STABLE_AFTER_MS ? 0 : input.consecutiveRestarts;
  if (previous >= input.maxRestarts) return { type: 'give-up', restarts: previous };
  const attempt = previous + 1;
  return { type: 'restart', delayMs: backoffMs(attempt), attempt };
}

export function giveUpMessage(restarts: number, last: string, maxRestarts: number): string {
  return `crash loop: ${restarts} restarts in a row did not last a minute (last: ${last}); not restarting (maxRestarts ${maxRestarts})`;
}
