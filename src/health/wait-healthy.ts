/**
 * Waits for a service to become ready. Polls every 10 ms during the first second (most services
 * boot within it, and each level of a dependency chain pays the detection lag again), then backs
 * off towards the configured interval: 5% of the time waited beyond that first second. A service
 * that takes a minute is probed about once a second, not hammered.
 *
 * A probe that keeps getting the same definite answer (an HTTP 401 every time) is reported early
 * through `onStuck`, once: waiting the whole readyTimeout to learn that would be a minute lost.
 */
import type { ProbeTimingMs, ResolvedProbe } from '../config/resolved.js';
import { sleep } from '../util/sleep.js';
import { runProbeOnce, type PolledProbe, type ProbeContext, type ProbeFailure } from './probe.js';

export type HealthOutcome =
  | { readonly type: 'ready'; readonly elapsedMs: number }
  | { readonly type: 'timeout'; readonly elapsedMs: number; readonly lastFailure: string; readonly hint?: string | undefined }
  | { readonly type: 'aborted' };

export interface WaitHealthyOptions {
  readonly probe: ResolvedProbe;
  readonly context: ProbeContext;
  /** Aborted when the service exits or devstack stops: the wait ends with `aborted`. */
  readonly signal: AbortSignal;
  /** For `log` probes: subscribe to the service's output lines; returns an unsubscribe function. */
  readonly subscribeLines: (listener: (line: string) => void) => () => void;
  /** When the service was spawned (on the `now` clock). */
  readonly spawnedAt: number;
  readonly now: () => number;
  /** The same definite failure for a while: say so (and how to fix it) before the timeout. */
  readonly onStuck?: (message: string, hint: string | undefined) => void;
}

// A database login costs more than a connect: poll those a little less eagerly.
const MIN_DELAY_MS = { http: 10, tcp: 10, command: 50, postgres: 25, mysql: 25, redis: 10, amqp: 25, mongodb: 25 } as const;
const FAST_POLLING_MS = 1000;
/** The same definite answer this long (and this many times) counts as stuck. */
const STUCK_AFTER_MS = 3000;
const STUCK_AFTER_ATTEMPTS = 5;

export function nextDelayMs(kind: PolledProbe['type'], waitedMs: number, timing: ProbeTimingMs): number {
  return Math.max(MIN_DELAY_MS[kind], Math.min(timing.intervalMs, (waitedMs - FAST_POLLING_MS) * 0.05));
}

export async function waitHealthy(options: WaitHealthyOptions): Promise<HealthOutcome> {
  const { probe } = options;
  return probe.type === 'log' ? waitForLogLine(options, probe.pattern) : pollProbe(options, probe);
}

/** Tracks repeats of one definite answer (a status code), to report it once it is clearly not changing. */
function createStuckDetector(now: () => number): (failure: ProbeFailure) => boolean {
  let key: string | undefined;
  let since = 0;
  let count = 0;
  let reported = false;
  return (failure) => {
    if (failure.definite === undefined) {
      key = undefined;
      return false;
    }
    if (failure.definite !== key) {
      key = failure.definite;
      since = now();
      count = 0;
    }
    count++;
    if (reported || count < STUCK_AFTER_ATTEMPTS || now() - since < STUCK_AFTER_MS) return false;
    reported = true;
    return true;
  };
}

async function pollProbe(options: WaitHealthyOptions, probe: PolledProbe): Promise<HealthOutcome> {
  const { signal, spawnedAt, now } = options;
  const deadline = spawnedAt + probe.readyTimeoutMs;
  const firstAttemptAt = spawnedAt + probe.startPeriodMs;
  if (now() < firstAttemptAt) await sleep(firstAttemptAt - now(), signal);
  let last: ProbeFailure = { message: 'no probe attempt ran' };
  const isStuck = createStuckDetector(now);
  while (!signal.aborted) {
    const result = await runProbeOnce(probe, options.context);
    if (signal.aborted) break;
    if (result.ok) return { type: 'ready', elapsedMs: now() - spawnedAt };
    last = result.error;
    if (isStuck(last)) options.onStuck?.(`${last.message} every time for ${Math.round((now() - firstAttemptAt) / 1000)} s`, last.hint);
    const remaining = deadline - now();
    if (remaining <= 0) return { type: 'timeout', elapsedMs: now() - spawnedAt, lastFailure: last.message, hint: last.hint };
    await sleep(Math.min(remaining, nextDelayMs(probe.type, now() - firstAttemptAt, probe)), signal);
  }
  return { type: 'aborted' };
}

function waitForLogLine(options: WaitHealthyOptions, pattern: RegExp): Promise<HealthOutcome> {
  const { signal, spawnedAt, probe, now } = options;
  return new Promise((resolve) => {
    let done = false;
    let unsubscribe: (() => void) | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (outcome: HealthOutcome): void => {
      if (done) return;
      done = true;
      unsubscribe?.(); // undefined while the replay of earlier lines runs: unsubscribed right after it
      if (timer !== undefined) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = (): void => finish({ type: 'aborted' });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(
      () => finish({ type: 'timeout', elapsedMs: now() - spawnedAt, lastFailure: `no output line matched ${String(pattern)}` }),
      Math.max(0, spawnedAt + probe.readyTimeoutMs - now()),
    );
    unsubscribe = options.subscribeLines((line) => {
      pattern.lastIndex = 0; // a /g or /y pattern keeps state between test() calls
      if (pattern.test(line)) finish({ type: 'ready', elapsedMs: now() - spawnedAt });
    });
    if (done) unsubscribe();
  });
}
