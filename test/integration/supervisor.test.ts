// The Supervisor and its ServiceRunners at the seam, on puppet processes the test controls: each
// puppet becomes ready, prints or exits only when told, and back-off timers fire only when the test
// fires them. Ordering and overlap are checked step by step, not through wall-clock gaps.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { validateUserConfig } from '../../src/config/schema.js';
import { definedEnv } from '../../src/env/service-env.js';
import type { StampedEvent } from '../../src/supervisor/events.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import type { Clock } from '../../src/util/clock.js';
import { createPuppetMaster, type PuppetMaster } from '../helpers/puppets.js';
import { isAlive } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';
import { FIXTURES } from '../helpers/project.js';

/** Real time, but timers (crash back-off, debounce) only fire when the test says so. */
function manualClock(): Clock & { fire(): void; pending(): number } {
  let timers: { id: number; callback: () => void }[] = [];
  let next = 0;
  return {
    now: () => Date.now(),
    setTimeout: (callback) => {
      const id = ++next;
      timers.push({ id, callback });
      return id;
    },
    clearTimeout: (handle) => void (timers = timers.filter((timer) => timer.id !== handle)),
    fire() {
      const due = timers;
      timers = [];
      for (const timer of due) timer.callback();
    },
    pending: () => timers.length,
  };
}

interface Rig {
  readonly supervisor: Supervisor;
  readonly master: PuppetMaster;
  readonly clock: ReturnType<typeof manualClock>;
  readonly events: StampedEvent[];
  state(name: string): string;
}

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function rig(services: Record<string, { dependsOn?: string[]; stopTimeout?: number; restart?: 'no' | 'on-failure' }>): Promise<Rig> {
  const master = await createPuppetMaster();
  const dir = mkdtempSync(join(tmpdir(), 'devstack-integration-'));
  const user = Object.fromEntries(
    Object.entries(services).map(([name, extra]) => [
      name,
      {
        command: ['node', join(FIXTURES, 'puppet.js'), name],
        health: { log: `puppet ready ${name}` },
        env: { PUPPET_SOCKET: master.socket },
        ...extra,
      },
    ]),
  );
  const parsed = validateUserConfig({ services: user });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  const config = resolveConfig({ config: parsed.value, file: join(dir, 'services.config.ts'), displayFile: 'services.config.ts' });
  const clock = manualClock();
  const supervisor = new Supervisor({
    config,
    runId: `it-${Date.now()}`,
    project: `it-${Date.now()}`,
    processEnv: definedEnv(process.env),
    mode: 'development',
    ports: new Map(),
    clock,
  });
  const events: StampedEvent[] = [];
  supervisor.events.subscribe((event) => void events.push(event));
  cleanups.push(async () => {
    await supervisor.stopAll();
    await master.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(config.logsDir, { recursive: true });
  return { supervisor, master, clock, events, state: (name) => supervisor.snapshot().find((service) => service.name === name)!.state };
}

describe('startup order', () => {
  it('starts a dependent only once its dependency is ready, and says what it waits on meanwhile', async () => {
    const { supervisor, master, state } = await rig({ db: {}, api: { dependsOn: ['db'] } });
    const started = supervisor.start(['db', 'api']);
    const db = await master.puppet('db');
    await waitFor(
      () =>
        supervisor
          .snapshot()
          .find((service) => service.name === 'api')
          ?.waitingOn.includes('db'),
      'api to wait on db',
    );
    expect(master.count('api')).toBe(0);
    await db.ready();
    const api = await master.puppet('api');
    expect(state('db')).toBe('ready');
    await api.ready();
    expect(await started).toEqual({ type: 'ready', services: ['db', 'api'] });
  });

  it('a restart of a dependency during startup: dependents wait for the new run, and startup is ready only then', async () => {
    const { supervisor, master } = await rig({ db: {}, api: { dependsOn: ['db'] } });
    const started = supervisor.start(['db', 'api']);
    const first = await master.puppet('db', 1);
    const restarted = supervisor.restart('db');
    await waitFor(() => !isAlive(first.pid), 'the first db to be stopped');
    const second = await master.puppet('db', 2);
    expect(master.count('api')).toBe(0); // not started on the first db, nor while the second boots
    await second.ready();
    expect(await restarted).toMatchObject({ type: 'ready' });
    await (await master.puppet('api')).ready();
    expect(await started).toEqual({ type: 'ready', services: ['db', 'api'] });
  });

  it('a failure during startup fails it with the failing service and its last lines', async () => {
    const { supervisor, master } = await rig({ db: {}, api: { dependsOn: ['db'] } });
    const started = supervisor.start(['db', 'api']);
    const db = await master.puppet('db');
    await db.print('migrating…');
    db.exit(3);
    const outcome = await started;
    expect(outcome).toMatchObject({
      type: 'failed',
      failure: {
        service: 'db',
        reason: 'exited-during-startup',
        message: 'exited with code 3 before it was ready',
        logTail: ['migrating…'],
      },
    });
    expect(master.count('api')).toBe(0);
  });
});

describe('crashes, back-off and overlapping requests', () => {
  it('backs off after a crash and restarts only when the timer fires; a stop during the back-off cancels it', async () => {
    const { supervisor, master, clock, state } = await rig({ api: {} });
    const started = supervisor.start(['api']);
    await (await master.puppet('api', 1)).ready();
    await started;
    (await master.puppet('api', 1)).exit(1);
    await waitFor(() => state('api') === 'backoff', 'the back-off');
    expect(clock.pending()).toBe(1);
    clock.fire();
    await (await master.puppet('api', 2)).ready();
    await waitFor(() => state('api') === 'ready', 'the crash restart');
    (await master.puppet('api', 2)).exit(1);
    await waitFor(() => state('api') === 'backoff', 'the second back-off');
    await supervisor.stop(['api']);
    expect(state('api')).toBe('stopped');
    expect(clock.pending()).toBe(0);
    clock.fire();
    expect(master.count('api')).toBe(2);
  });

  it('stopping everything during a restart: the restart ends as aborted, nothing starts again', async () => {
    const { supervisor, master, state } = await rig({ api: {} });
    const started = supervisor.start(['api']);
    await (await master.puppet('api', 1)).ready();
    await started;
    const restart = supervisor.restart('api');
    await master.puppet('api', 2);
    await supervisor.stopAll();
    expect(await restart).toMatchObject({ type: 'aborted' });
    expect(state('api')).toBe('stopped');
    expect(master.count('api')).toBe(2);
  });

  it('refuses a restart while a dependency is down, and a restart of a service that never started', async () => {
    const { supervisor, master } = await rig({ db: { restart: 'no' }, api: { dependsOn: ['db'] }, idle: {} });
    const started = supervisor.start(['db', 'api']);
    await (await master.puppet('db')).ready();
    await (await master.puppet('api')).ready();
    await started;
    (await master.puppet('db')).exit(1);
    await waitFor(() => supervisor.snapshot()[0]!.state === 'failed', 'db to fail');
    expect(await supervisor.restart('api')).toEqual({
      type: 'refused',
      reason: 'cannot restart "api": its dependency "db" is failed',
      hint: 'start it with "devstack start api", which starts "db" first',
    });
    expect(await supervisor.restart('idle')).toMatchObject({ type: 'refused', reason: 'service "idle" is not part of this run' });
  });

  it('a service that ignores SIGTERM is killed once its stop timeout has passed', async () => {
    const { supervisor, master, events } = await rig({ stubborn: { stopTimeout: 300 } });
    const started = supervisor.start(['stubborn']);
    const stubborn = await master.puppet('stubborn');
    await stubborn.ignoreSigterm();
    await stubborn.ready();
    await started;
    await supervisor.stop(['stubborn']);
    expect(isAlive(stubborn.pid)).toBe(false);
    expect(events.filter((event) => event.type === 'stop-escalated')).toMatchObject([
      { service: 'stubborn', signal: 'SIGTERM', timeoutMs: 300 },
    ]);
  });

  it('never reports an invalid transition through all of the above', async () => {
    const { supervisor, master, events, clock } = await rig({ db: {}, api: { dependsOn: ['db'] } });
    const started = supervisor.start(['db', 'api']);
    await master.puppet('db', 1);
    const restart = supervisor.restart('db');
    await (await master.puppet('db', 2)).ready();
    await restart;
    await (await master.puppet('api')).ready();
    await started;
    (await master.puppet('api')).exit(2);
    await waitFor(() => supervisor.snapshot()[1]!.state === 'backoff', 'the back-off');
    const stopping = supervisor.stopAll();
    clock.fire();
    await stopping;
    expect(events.filter((event) => event.type === 'invalid-transition')).toEqual([]);
  });
});
