import { describe, expect, it } from 'vitest';
import { transition, type ServiceEvent, type ServiceState } from '../../src/supervisor/service-state.js';

const run = (events: ServiceEvent[], from: ServiceState = { type: 'pending' }): ServiceState => events.reduce(transition, from);

describe('service state machine', () => {
  it('goes pending → starting → ready', () => {
    expect(run([{ type: 'spawned', pid: 10, at: 1 }])).toEqual({ type: 'starting', pid: 10, startedAt: 1 });
    expect(
      run([
        { type: 'spawned', pid: 10, at: 1 },
        { type: 'ready', at: 5 },
      ]),
    ).toEqual({ type: 'ready', pid: 10, startedAt: 1, readyAt: 5 });
  });

  it('fails a service that exits before it is ready', () => {
    expect(
      run([
        { type: 'spawned', pid: 10, at: 1 },
        { type: 'exit', code: 3, signal: null, at: 2 },
      ]),
    ).toEqual({
      type: 'failed',
      reason: 'exited-during-startup',
      message: 'exited with code 3 before it was ready',
      at: 2,
    });
  });

  it('tells a clean exit from a crash after ready', () => {
    const ready = run([
      { type: 'spawned', pid: 10, at: 1 },
      { type: 'ready', at: 2 },
    ]);
    expect(transition(ready, { type: 'exit', code: 0, signal: null, at: 3 })).toEqual({ type: 'exited', at: 3 });
    expect(transition(ready, { type: 'exit', code: null, signal: 'SIGSEGV', at: 3 })).toEqual({
      type: 'failed',
      reason: 'crashed',
      message: 'was killed by SIGSEGV',
      at: 3,
    });
  });

  it('treats an exit while stopping as the expected end', () => {
    const stopping = run([{ type: 'spawned', pid: 10, at: 1 }, { type: 'ready', at: 2 }, { type: 'stop' }]);
    expect(stopping).toEqual({ type: 'stopping', pid: 10, startedAt: 1 });
    const exited = transition(stopping, { type: 'exit', code: null, signal: 'SIGTERM', at: 3 });
    expect(exited).toBe(stopping);
    expect(transition(exited, { type: 'stopped' })).toEqual({ type: 'stopped' });
  });

  it('stops a pending service without a process', () => {
    expect(run([{ type: 'stop' }])).toEqual({ type: 'stopped' });
  });

  it('records a health timeout', () => {
    const starting = run([{ type: 'spawned', pid: 10, at: 1 }]);
    expect(transition(starting, { type: 'fail', reason: 'health-timeout', message: 'not ready', at: 9 })).toEqual({
      type: 'failed',
      reason: 'health-timeout',
      message: 'not ready',
      at: 9,
    });
  });

  it('ignores events that make no sense in a state', () => {
    const stopped: ServiceState = { type: 'stopped' };
    expect(transition(stopped, { type: 'ready', at: 1 })).toBe(stopped);
    expect(transition(stopped, { type: 'exit', code: 1, signal: null, at: 1 })).toBe(stopped);
    const failed = run([{ type: 'fail', reason: 'spawn-failed', message: 'x', at: 1 }]);
    expect(transition(failed, { type: 'spawned', pid: 3, at: 2 })).toBe(failed);
  });
});

describe('crash back-off and tasks', () => {
  it('goes failed → backoff → (stop) stopped, and backoff counts as active', async () => {
    const { isActive, hasProcess } = await import('../../src/supervisor/service-state.js');
    const crashed = run([
      { type: 'spawned', pid: 1, at: 1 },
      { type: 'ready', at: 2 },
      { type: 'exit', code: 1, signal: null, at: 3 },
    ]);
    const backoff = transition(crashed, { type: 'backoff', attempt: 2, delayMs: 1000, until: 1003 });
    expect(backoff).toEqual({ type: 'backoff', attempt: 2, delayMs: 1000, until: 1003, message: 'exited with code 1' });
    expect(isActive(backoff)).toBe(true);
    expect(hasProcess(backoff)).toBe(false);
    expect(transition(backoff, { type: 'stop' })).toEqual({ type: 'stopped' });
  });

  it('marks a task that exits 0 as exited, and gives up with a crash-loop failure', () => {
    expect(
      run([
        { type: 'spawned', pid: 1, at: 1 },
        { type: 'completed', at: 5 },
      ]),
    ).toEqual({ type: 'exited', at: 5 });
    const failed = run([
      { type: 'spawned', pid: 1, at: 1 },
      { type: 'ready', at: 2 },
      { type: 'exit', code: 1, signal: null, at: 3 },
    ]);
    expect(transition(failed, { type: 'fail', reason: 'crash-loop', message: 'gave up', at: 4 })).toEqual({
      type: 'failed',
      reason: 'crash-loop',
      message: 'gave up',
      at: 4,
    });
  });
});
