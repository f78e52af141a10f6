// The runner's state machine, as a pure function: every event in every state is either a defined
// move or reported as invalid (never silently ignored).
import { describe, expect, it } from 'vitest';
import { nextState, type Attempt, type Run, type RunnerEvent, type RunnerState } from '../../src/supervisor/runner-state.js';
import { publicState } from '../../src/supervisor/runner-view.js';

const attempt: Attempt = { abort: new AbortController(), startedAt: 1, done: Promise.resolve() };
const fakeRun = (pid: number): Run =>
  ({
    process: { pid },
    ref: { pid, pgid: pid, startTime: 1, markerEntries: [] },
    spawnedAt: 2,
    abort: new AbortController(),
  }) as unknown as Run;
const run10 = fakeRun(10);
const done = Promise.resolve();
const exit = (
  code: number | null,
  signal: string | null = null,
  extra: Partial<Extract<RunnerEvent, { type: 'exit' }>> = {},
): RunnerEvent => ({
  type: 'exit',
  code,
  signal,
  at: 5,
  task: false,
  shell: false,
  ...extra,
});

function apply(events: readonly RunnerEvent[], from: RunnerState = { type: 'pending', waitingOn: [] }): RunnerState {
  return events.reduce((state, event) => {
    const next = nextState(state, event);
    if (!next.ok) throw new Error(next.error);
    return next.value;
  }, from);
}

const ready = apply([
  { type: 'prepare', attempt },
  { type: 'spawned', run: run10 },
  { type: 'probe-ok', at: 3 },
]);

describe('service runner state machine', () => {
  it('goes pending → starting (no pid while preparing) → starting (pid) → ready', () => {
    const preparing = apply([{ type: 'prepare', attempt }]);
    expect(publicState(preparing)).toEqual({ type: 'starting', pid: undefined, startedAt: 1 });
    expect(publicState(apply([{ type: 'spawned', run: run10 }], preparing))).toEqual({ type: 'starting', pid: 10, startedAt: 2 });
    expect(publicState(ready)).toEqual({ type: 'ready', pid: 10, startedAt: 2, readyAt: 3 });
  });

  it('fails a service that exits before it is ready, once its leftovers are swept', () => {
    const exiting = apply([{ type: 'prepare', attempt }, { type: 'spawned', run: run10 }, exit(3)]);
    expect(exiting.type).toBe('exiting');
    expect(publicState(exiting)).toEqual({
      type: 'failed',
      reason: 'exited-during-startup',
      message: 'exited with code 3 before it was ready',
      at: 5,
    });
    expect(apply([{ type: 'swept' }], exiting)).toEqual({
      type: 'failed',
      reason: 'exited-during-startup',
      message: 'exited with code 3 before it was ready',
      at: 5,
    });
  });

  it('tells a clean exit from a crash after ready, and reads 127 from a shell as "not found"', () => {
    expect(publicState(apply([exit(0)], ready))).toEqual({ type: 'exited', at: 5, code: 0 });
    expect(publicState(apply([exit(null, 'SIGSEGV')], ready))).toMatchObject({
      type: 'failed',
      reason: 'crashed',
      message: 'was killed by SIGSEGV',
    });
    expect(publicState(apply([exit(127, null, { shell: true })], ready))).toMatchObject({
      type: 'failed',
      reason: 'command-not-found',
      message: 'command not found (the shell exited with code 127)',
    });
  });

  it('treats an exit while stopping as the expected end, and a restart stop as a way back to pending', () => {
    const stopping = apply([{ type: 'stop', intent: 'stop', done }], ready);
    expect(publicState(stopping)).toEqual({ type: 'stopping', pid: 10, intent: 'stop' });
    expect(apply([exit(null, 'SIGTERM'), { type: 'swept' }], stopping)).toEqual({ type: 'stopped', intent: 'stop' });
    expect(apply([{ type: 'stop', intent: 'restart', done }, { type: 'swept' }], ready)).toEqual({ type: 'pending', waitingOn: [] });
  });

  it('keeps the strongest intent of overlapping stops', () => {
    const restarting = apply([{ type: 'stop', intent: 'restart', done }], ready);
    expect(apply([{ type: 'stop', intent: 'shutdown', done }, { type: 'swept' }], restarting)).toEqual({
      type: 'stopped',
      intent: 'shutdown',
    });
    const shuttingDown = apply([{ type: 'stop', intent: 'shutdown', done }], ready);
    expect(apply([{ type: 'stop', intent: 'restart', done }, { type: 'swept' }], shuttingDown)).toEqual({
      type: 'stopped',
      intent: 'shutdown',
    });
  });

  it('stops a pending service without a process, and keeps a failure through shutdown', () => {
    expect(apply([{ type: 'stop', intent: 'stop', done }])).toEqual({ type: 'stopped', intent: 'stop' });
    const failed = apply([
      { type: 'prepare', attempt },
      { type: 'start-failed', reason: 'spawn-failed', message: 'x', at: 1 },
    ]);
    expect(apply([{ type: 'stop', intent: 'shutdown', done }], failed)).toBe(failed);
    expect(apply([{ type: 'stop', intent: 'stop', done }], failed)).toEqual({ type: 'stopped', intent: 'stop' });
  });

  it('records a health timeout on a running process as exiting until it is swept', () => {
    const starting = apply([
      { type: 'prepare', attempt },
      { type: 'spawned', run: run10 },
    ]);
    const timedOut = apply([{ type: 'start-failed', reason: 'health-timeout', message: 'not ready', at: 9 }], starting);
    expect(timedOut.type).toBe('exiting');
    expect(apply([exit(null, 'SIGTERM'), { type: 'swept' }], timedOut)).toMatchObject({ type: 'failed', reason: 'health-timeout' });
  });

  it('reports events that make no sense in a state instead of ignoring them', () => {
    const stopped: RunnerState = { type: 'stopped', intent: 'stop' };
    expect(nextState(stopped, { type: 'probe-ok', at: 1 })).toEqual({ ok: false, error: 'event "probe-ok" in state "stopped"' });
    expect(nextState(stopped, exit(1))).toEqual({ ok: false, error: 'event "exit" in state "stopped"' });
    expect(nextState(ready, { type: 'prepare', attempt })).toEqual({ ok: false, error: 'event "prepare" in state "ready"' });
    expect(nextState(ready, { type: 'swept' })).toEqual({ ok: false, error: 'event "swept" in state "ready"' });
  });
});

describe('crash back-off and tasks', () => {
  it('goes failed → backoff → (stop) stopped', () => {
    const crashed = apply([exit(1), { type: 'swept' }], ready);
    const backoff = apply([{ type: 'backoff', attempt: 2, delayMs: 1000, until: 1003, timer: 0 }], crashed);
    expect(publicState(backoff)).toEqual({ type: 'backoff', attempt: 2, delayMs: 1000, until: 1003, message: 'exited with code 1' });
    expect(apply([{ type: 'stop', intent: 'stop', done }], backoff)).toEqual({ type: 'stopped', intent: 'stop' });
  });

  it('marks a task that exits 0 as exited, a failing one as task-failed, and gives up with a crash-loop failure', () => {
    const task = apply([
      { type: 'prepare', attempt },
      { type: 'spawned', run: run10 },
    ]);
    expect(publicState(apply([exit(0, null, { task: true }), { type: 'swept' }], task))).toEqual({ type: 'exited', at: 5, code: 0 });
    expect(publicState(apply([exit(2, null, { task: true })], task))).toMatchObject({
      type: 'failed',
      reason: 'task-failed',
      message: 'exited with code 2',
    });
    const failed = apply([exit(1), { type: 'swept' }], ready);
    expect(apply([{ type: 'give-up', message: 'gave up', at: 6 }], failed)).toEqual({
      type: 'failed',
      reason: 'crash-loop',
      message: 'gave up',
      at: 6,
    });
  });
});
