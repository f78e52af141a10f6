import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backoffMs, decideRestart, type CrashInput } from '../../src/supervisor/restart-policy.js';
import type { Clock } from '../../src/util/clock.js';
import { createChangeRestarts } from '../../src/watch/change-restarts.js';
import { createIgnoreMatcher, globToRegExp, isAlwaysIgnored } from '../../src/watch/ignore.js';
import { createRestartLoopDetector } from '../../src/watch/restart-loop.js';
import { outputFolderOf, readWorkspaceGraph } from '../../src/workspaces/workspace-graph.js';

/** A manual clock: timers fire only when the test advances time. */
function fakeClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  let timers: { at: number; callback: () => void; id: number }[] = [];
  let nextId = 1;
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.push({ at: now + ms, callback, id });
      return id;
    },
    clearTimeout(handle) {
      timers = timers.filter((timer) => timer.id !== handle);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((timer) => timer !== due);
        now = due.at;
        due.callback();
      }
      now = until;
    },
  };
}

describe('crash restart policy', () => {
  const crash = (overrides: Partial<CrashInput>): CrashInput => ({
    policy: 'on-failure',
    maxRestarts: Infinity,
    exitCode: 1,
    ranForMs: 1000,
    consecutiveRestarts: 0,
    ...overrides,
  });

  it('backs off from 0.5 s, doubling to a 30 s cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(backoffMs)).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it('restarts failures under on-failure, every exit under always, nothing under no', () => {
    expect(decideRestart(crash({}))).toEqual({ type: 'restart', delayMs: 500, attempt: 1 });
    expect(decideRestart(crash({ exitCode: 0 }))).toEqual({ type: 'stay-down', reason: 'policy' });
    expect(decideRestart(crash({ exitCode: null }))).toMatchObject({ type: 'restart' }); // killed by a signal
    expect(decideRestart(crash({ policy: 'always', exitCode: 0 }))).toMatchObject({ type: 'restart' });
    expect(decideRestart(crash({ policy: 'no' }))).toEqual({ type: 'stay-down', reason: 'policy' });
  });

  it('grows the delay with each crash in a row and resets after a stable minute', () => {
    expect(decideRestart(crash({ consecutiveRestarts: 3 }))).toEqual({ type: 'restart', delayMs: 4000, attempt: 4 });
    expect(decideRestart(crash({ consecutiveRestarts: 3, ranForMs: 60_000 }))).toEqual({ type: 'restart', delayMs: 500, attempt: 1 });
  });

  it('gives up after maxRestarts in a row', () => {
    expect(decideRestart(crash({ maxRestarts: 3, consecutiveRestarts: 3 }))).toEqual({ type: 'give-up', restarts: 3 });
    expect(decideRestart(crash({ maxRestarts: 0 }))).toEqual({ type: 'give-up', restarts: 0 });
  });
});

describe('watch ignores', () => {
  it('always ignores dependency, build and log folders and devstack state', () => {
    expect(isAlwaysIgnored('/p/node_modules/x/index.js', '/p/logs')).toBe(true);
    expect(isAlwaysIgnored('/p/apps/api/dist/a.js', '/p/logs')).toBe(true);
    expect(isAlwaysIgnored('/p/var/state/api.log', '/p/var/state')).toBe(true);
    expect(isAlwaysIgnored('/p/apps/api/src/a.ts', '/p/logs')).toBe(false);
  });

  it('matches globs by segment or by path', () => {
    expect(globToRegExp('src/**/*.ts').test('src/a/b/c.ts')).toBe(true);
    expect(globToRegExp('src/**/*.ts').test('src/c.ts')).toBe(true);
    expect(globToRegExp('*.tmp').test('a/b.tmp')).toBe(false);
    const ignored = createIgnoreMatcher('/p/api', ['*.tmp', 'src/generated', 'fixtures/**/*.json']);
    expect(ignored('/p/api/src/x.tmp')).toBe(true);
    expect(ignored('/p/api/src/generated/types.ts')).toBe(true);
    expect(ignored('/p/api/fixtures/a/b.json')).toBe(true);
    expect(ignored('/p/api/src/index.ts')).toBe(false);
    expect(ignored('/p/api/fixtures/a/b.ts')).toBe(false);
  });
});

describe('restarts on changes', () => {
  /** A restart the test finishes by hand; `spawned` says when the gate let the new process start. */
  function recorder(writtenAt: (path: string) => number | undefined = () => undefined) {
    const clock = fakeClock();
    const restarts: { path: string; services: string[]; at: number; spawnedAt?: number; finish: () => void }[] = [];
    const gate = createChangeRestarts({
      quietMs: () => 30,
      clock,
      writtenAt,
      restart: (targets, at, beforeSpawn) =>
        new Promise<void>((finish) => {
          const restart: { path: string; services: string[]; at: number; spawnedAt?: number; finish: () => void } = {
            path: [...targets.values()].join(','),
            services: [...targets.keys()],
            at,
            finish,
          };
          restarts.push(restart);
          void beforeSpawn().then(() => (restart.spawnedAt = clock.now()));
        }),
    });
    return { clock, restarts, gate };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('begins at the first change and spawns once the files are quiet: five writes in 20 ms are one restart', async () => {
    const { clock, restarts, gate } = recorder();
    for (let i = 0; i < 5; i++) {
      gate.change('api', `f${i}`);
      if (i === 0) await settle(); // the restart begins in the turn after the first change
      clock.advance(5);
    }
    expect(restarts.map((restart) => restart.path)).toEqual(['f0']); // it began with the first
    await settle();
    expect(restarts[0]!.spawnedAt).toBeUndefined(); // 5 ms after the last write
    clock.advance(24);
    await settle();
    expect(restarts[0]!.spawnedAt).toBeUndefined();
    clock.advance(1);
    await settle();
    expect(restarts[0]!.spawnedAt).toBe(50); // 30 ms after the last write, at 20
    restarts[0]!.finish();
    await settle();
    expect(restarts).toHaveLength(1);
  });

  it('a single change spawns as soon as the quiet time has passed', async () => {
    const { clock, restarts, gate } = recorder();
    gate.change('api', 'a');
    await settle();
    clock.advance(30);
    await settle();
    expect(restarts[0]!.spawnedAt).toBe(30);
  });

  it('changes after the spawn cause exactly one more restart, with the last file', async () => {
    const { clock, restarts, gate } = recorder();
    gate.change('api', 'a');
    await settle();
    clock.advance(30);
    await settle();
    gate.change('api', 'b');
    gate.change('api', 'c');
    expect(restarts).toHaveLength(1);
    restarts[0]!.finish();
    await settle();
    await settle();
    expect(restarts.map((restart) => restart.path)).toEqual(['a', 'c']);
    clock.advance(30);
    await settle();
    restarts[1]!.finish();
    await settle();
    expect(restarts).toHaveLength(2);
  });

  it('restarts services changed in the same turn as one set, and one changed later once more afterwards', async () => {
    const { clock, restarts, gate } = recorder();
    // One file of a shared package, reported for each service that watches it.
    gate.change('auth', 'packages/shared/jwt.ts');
    gate.change('user', 'packages/shared/jwt.ts');
    await settle();
    expect(restarts.map((restart) => restart.services)).toEqual([['auth', 'user']]);
    clock.advance(30);
    await settle();
    expect(restarts[0]!.spawnedAt).toBe(30);
    gate.change('user', 'services/user/index.ts'); // after the spawn: once more, for user only
    gate.change('auth', 'services/auth/index.ts');
    gate.change('user', 'services/user/routes.ts');
    restarts[0]!.finish();
    await settle();
    await settle();
    expect(restarts.map((restart) => restart.services)).toEqual([
      ['auth', 'user'],
      ['user', 'auth'],
    ]);
    expect(restarts[1]!.path).toBe('services/user/routes.ts,services/auth/index.ts');
  });

  it('a late event, after the spawn, for a file written before it restarts nothing; a later write does', async () => {
    const written = new Map<string, number>();
    const { clock, restarts, gate } = recorder((path) => written.get(path));
    written.set('a', 0);
    gate.change('api', 'a');
    await settle();
    clock.advance(30);
    await settle();
    expect(restarts[0]!.spawnedAt).toBe(30);
    gate.change('api', 'a'); // the watcher's second event for the write at 0
    written.set('b', 40);
    clock.advance(10);
    restarts[0]!.finish();
    await settle();
    await settle();
    expect(restarts).toHaveLength(1);
    gate.change('api', 'b'); // written at 40, after the spawn
    await settle();
    expect(restarts.map((restart) => restart.path)).toEqual(['a', 'b']);
  });

  it("gives the restart the first change's write time (what the loop check compares), or when it was reported if unknown", async () => {
    const written = new Map([['late.js', 3]]);
    const { clock, restarts, gate } = recorder((path) => written.get(path));
    clock.advance(50);
    gate.change('api', 'late.js'); // written at 3, reported at 50 by a busy watcher
    await settle();
    clock.advance(30);
    await settle();
    restarts[0]!.finish();
    await settle();
    gate.change('api', 'deleted.js'); // no mtime to read
    await settle();
    expect(restarts.map((restart) => restart.at)).toEqual([3, 80]);
  });

  it('stops after cancel', async () => {
    const { restarts, gate } = recorder();
    gate.cancel();
    gate.change('api', 'a');
    await settle();
    expect(restarts).toEqual([]);
  });
});

describe('restart loop detection', () => {
  it('flags three restarts in a row caused by changes during startup', () => {
    const detector = createRestartLoopDetector();
    expect(detector.isLoop(150, { startedAt: 100, readyAt: undefined })).toBe(false);
    expect(detector.isLoop(1100, { startedAt: 1000, readyAt: 1050 })).toBe(false);
    expect(detector.isLoop(2300, { startedAt: 2000, readyAt: 2100 })).toBe(true); // within the grace after ready
  });

  it('does not count a change a second after ready (a person saving again)', () => {
    const detector = createRestartLoopDetector();
    detector.isLoop(150, { startedAt: 100, readyAt: undefined });
    detector.isLoop(1100, { startedAt: 1000, readyAt: undefined });
    expect(detector.isLoop(3200, { startedAt: 2000, readyAt: 2100 })).toBe(false);
  });

  it('resets when a change comes long after the service became ready (a person saving)', () => {
    const detector = createRestartLoopDetector();
    detector.isLoop(150, { startedAt: 100, readyAt: undefined });
    detector.isLoop(1100, { startedAt: 1000, readyAt: undefined });
    expect(detector.isLoop(9000, { startedAt: 2000, readyAt: 2100 })).toBe(false);
    expect(detector.isLoop(9100, { startedAt: 9050, readyAt: undefined })).toBe(false);
  });
});

describe('the packages a workspace uses', () => {
  it('finds local dependencies transitively, and a built package at its output folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'devstack-graph-'));
    const write = (file: string, value: unknown): void => {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), JSON.stringify(value));
    };
    write('package.json', { workspaces: ['packages/*', 'apps/*'] });
    write('packages/db/package.json', { name: '@x/db', exports: { '.': { import: './build/index.js' } } });
    write('packages/shared/package.json', { name: '@x/shared', main: 'src/index.ts', dependencies: { '@x/db': '*', zod: '*' } });
    write('apps/api/package.json', { name: 'api', devDependencies: { '@x/shared': 'workspace:*' } });
    write('apps/lonely/package.json', { name: 'lonely' });
    try {
      const graph = readWorkspaceGraph(root);
      expect(graph.packagesUsedBy(join(root, 'apps/api'), new Set())).toEqual([
        { name: '@x/shared', dir: join(root, 'packages/shared'), output: false },
        { name: '@x/db', dir: join(root, 'packages/db'), output: false },
      ]);
      // A service of the stack runs in packages/db (its builder): its users watch build/, not its sources.
      expect(graph.packagesUsedBy(join(root, 'apps/api'), new Set([join(root, 'packages/db')]))[1]).toEqual({
        name: '@x/db',
        dir: join(root, 'packages/db/build'),
        output: true,
      });
      expect(graph.packagesUsedBy(join(root, 'apps/lonely'), new Set())).toEqual([]);
      expect(graph.packagesUsedBy(join(root, 'not-a-package'), new Set())).toEqual([]);
      expect(outputFolderOf({ main: 'index.js' })).toBeUndefined();
      expect(outputFolderOf({ main: './src/index.ts' })).toBeUndefined();
      expect(outputFolderOf({ types: 'dist/index.d.ts' })).toBe('dist');
      // A watched build output folder is not hidden by its name; what is below it still is.
      expect(isAlwaysIgnored('/r/packages/db/build/index.js', '/r/logs', ['/r/packages/db/build'])).toBe(false);
      expect(isAlwaysIgnored('/r/packages/db/build/node_modules/x.js', '/r/logs', ['/r/packages/db/build'])).toBe(true);
      expect(isAlwaysIgnored('/r/packages/other/build/index.js', '/r/logs', ['/r/packages/db/build'])).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
