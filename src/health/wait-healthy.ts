/**
 * Waits for a service to become ready. Polls every 10 ms during the first second (most services
 * boot within it, and each level of a dependency chain pays the detection lag again), then backs
 * off towards the configured interval: 5% of the time waited beyond that first second. A service
 * that takes a minute is probed about once a second, not hammered.
 */
import type { ProbeTimingMs, ResolvedProbe } from '../config/resolved.js';
import { sleep } from '../util/sleep.js';
import { runProbeOnce, type PolledProbe, type ProbeContext } from './probe.js';

export type HealthOutcome =
  | { readonly type: 'ready'; readonly elapsedMs: number }
  | { readonly type: 'timeout'; readonly elapsedMs: number; readonly lastFailure: string }
  | { readonly type: 'aborted' };

export interface WaitHealthyOptions {
  readonly probe: ResolvedProbe;
  readonly context: ProbeContext;
  /** Aborted when the service exits or devstack stops: the wait ends with `aborted`. */
  readonly signal: AbortSignal;
  /** For `log` probes: subscribe to the service's output lines; returns an unsubscribe function. */
  readonly subscribeLines: (listener: (line: string) => void) => () => void;
  /** When the service was spawned (Date.now() clock). */
  readonly spawnedAt: number;
  readonly now?: () => number;
}

// A database login costs more than a connect: poll those a little less eagerly.
const MIN_DELAY_MS = { http: 10, tcp: 10, command: 50, postgres: 25, mysql: 25, redis: 10 } as const;
const FAST_POLLING_MS = 1000;

export function nextDelayMs(kind: PolledProbe['type'], waitedMs: number, timing: ProbeTimingMs): number {
  return Math.max(MIN_DELAY_MS[kind], Math.min(timing.intervalMs, (waitedMs - FAST_POLLING_MS) * 0.05));
}

export async function waitHealthy(options: WaitHealthyOptions): Promise<HealthOutcome> {
  const { probe } = options;
  return probe.type === 'log' ? waitForLogLine(options, probe.pattern) : pollProbe(options, probe);
}

async function pollProbe(options: WaitHealthyOptions, probe: PolledProbe): Promise<HealthOutcome> {
  const now = options.now ?? Date.now;
  const { signal, spawnedAt } = options;
  const deadline = spawnedAt + probe.readyTimeoutMs;
  const firstAttemptAt = spawnedAt + probe.startPeriodMs;
  if (now() < firstAttemptAt) await sleep(firstAttemptAt - now(), signal);
  let lastFailure = 'no probe attempt ran';
  while (!signal.aborted) {
    const result = await runProbeOnce(probe, options.context);
    if (signal.aborted) break;
    if (result.ok) return { type: 'ready', elapsedMs: now() - spawnedAt };
    lastFailure = result.message;
    const remaining = deadline - now();
    if (remaining <= 0) return { type: 'timeout', elapsedMs: now() - spawnedAt, lastFailure };
    await sleep(Math.min(remaining, nextDelayMs(probe.type, now() - firstAttemptAt, probe)), signal);
  }
  return { type: 'aborted' };
}

function waitForLogLine(options: WaitHealthyOptions, pattern: RegExp): Promise<HealthOutcome> {
  const now = options.now ?? Date.now;
  const { signal, spawnedAt, probe } = options;
  return new Promise((resolve) => {
    const finish = (outcome: HealthOutcome): void => {
      unsubscribe();
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = (): void => finish({ type: 'aborted' });
    const unsubscribe = options.subscribeLines((line) => {
      pattern.lastIndex = 0; // a /g or /y pattern keeps state between test() calls
      if (pattern.test(line)) finish({ type: 'ready', elapsedMs: now() - spawnedAt });
    });
    const timer = setTimeout(
      () => finish({ type: 'timeout', elapsedMs: now() - spawnedAt, lastFailure: `no output line matched ${String(pattern)}` }),
      Math.max(0, spawnedAt + probe.readyTimeoutMs - now()),
    );
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
