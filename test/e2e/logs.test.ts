// Logs of any size, read and written without loss: complete when piped, streamed, rotated and read
// back across rotations, a terminal that stops reading never blocks or bloats the supervisor, the
// supervisor's events are visible without a foreground, and no terminal control sequence reaches
// the merged view or the files.
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, createTempProject, fixture, type TempProject } from '../helpers/project.js';
import { readCurrentFile } from '../helpers/files.js';
import { waitFor } from '../helpers/wait.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

/** A log file as devstack writes it, made directly: `count` lines `line <n>`, one millisecond apart. */
function synthesizeLog(p: TempProject, service: string, count: number, startMs: number, step = 1): void {
  let text = '';
  for (let n = 1; n <= count; n++) text += `${new Date(startMs + n * step).toISOString()} out ${service} line ${n}\n`;
  p.write(`logs/${service}.log`, text);
}

function sh(command: string, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', command], { cwd, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? 1), stdout, stderr }),
    );
  });
}

const TWO = `export default { services: { api: { command: '${fixture('forever.js')}' }, web: { command: '${fixture('forever.js')}' } } };`;

describe('devstack logs, piped', () => {
  it('prints every line of a big log through a pipe, and of two logs merged in time order', async () => {
    project = createTempProject(TWO);
    synthesizeLog(project, 'api', 200_000, Date.parse('2026-01-01T00:00:00Z'), 2);
    synthesizeLog(project, 'web', 100_000, Date.parse('2026-01-01T00:00:00.001Z'), 4);
    const counted = await sh(`node ${BIN} logs api | wc -l`, project.dir);
    expect(counted.stdout.trim()).toBe('200000');
    const single = await project.run(['logs', 'api']);
    const lines = single.stdout.split('\n');
    expect(lines).toHaveLength(200_001);
    expect(lines[0]).toBe('api line 1');
    expect(lines[199_999]).toBe('api line 200000');

    const merged = await project.run(['logs']);
    const mergedLines = merged.stdout.trimEnd().split('\n');
    expect(mergedLines).toHaveLength(300_000);
    // web's line n is at 1 + 4n ms, api's at 2n: in time order they interleave two api lines, one web line.
    expect(mergedLines.slice(0, 6)).toEqual([
      'api      | api line 1',
      'api      | api line 2',
      'web      | web line 1',
      'api      | api line 3',
      'api      | api line 4',
      'web      | web line 2',
    ]);
  });

  it('stops quietly when the reader closes early (| head)', async () => {
    project = createTempProject(TWO);
    synthesizeLog(project, 'api', 100_000, Date.parse('2026-01-01T00:00:00Z'));
    for (const args of ['logs api', 'logs', 'logs -n 50000', 'logs --json']) {
      const result = await sh(`node ${BIN} ${args} | head -1; echo "exit \${PIPESTATUS[0]}" >&2`, project.dir);
      expect(result.stdout.split('\n')).toHaveLength(2);
      expect(result.stderr, args).toBe('exit 0\n');
    }
  });

  it('writes one JSON object per line with --json', async () => {
    project = createTempProject(TWO);
    synthesizeLog(project, 'api', 3, Date.parse('2026-01-01T00:00:00Z'));
    const result = await project.run(['logs', 'api', '--json']);
    expect(
      result.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      { time: '2026-01-01T00:00:00.001Z', service: 'api', stream: 'out', text: 'api line 1' },
      { time: '2026-01-01T00:00:00.002Z', service: 'api', stream: 'out', text: 'api line 2' },
      { time: '2026-01-01T00:00:00.003Z', service: 'api', stream: 'out', text: 'api line 3' },
    ]);
  });
});

describe('rotation', () => {
  it('rotates by size, keeping the configured number of files, and reads across them as one log', async () => {
    project = createTempProject(`export default {
      logRotation: { maxSize: '4kb', keep: 100 },
      services: { counter: { command: '${fixture('numbered.js')}', env: { COUNT: '3000', BATCH: '50', EVERY_MS: '1' }, health: { log: 'numbered done' } } },
    };`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const files = readdirSync(project.path('logs')).filter((name) => name.startsWith('counter.log'));
    expect(files.length).toBeGreaterThan(5);
    const all = await project.run(['logs', 'counter']);
    const numbers = all.stdout
      .split('\n')
      .filter((line) => line.startsWith('line '))
      .map((line) => Number(line.slice(5)));
    expect(numbers).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1)); // none lost, none twice, in order
    const last = await project.run(['logs', 'counter', '-n', '200']);
    expect(last.stdout.trimEnd().split('\n')).toHaveLength(200); // reaching into the rotated file when the current one has fewer
  });

  it('follows across rotations without a gap or a repeat, and keeps only `keep` old files', async () => {
    project = createTempProject(`export default {
      logRotation: { maxSize: '2kb', keep: 2 },
      services: { counter: { command: '${fixture('numbered.js')}', env: { COUNT: '2000', BATCH: '5', EVERY_MS: '5' }, health: { log: 'line 1$' } } },
    };`);
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const follow = project.start(['logs', 'counter', '-f']);
    await waitFor(() => follow.output().includes('numbered done'), 'the follower to see the end', 30_000);
    const numbers = follow
      .output()
      .split('\n')
      .filter((line) => line.startsWith('line '))
      .map((line) => Number(line.slice(5)));
    // The follower started after the first lines had been rotated away: from there on, every line.
    const first = numbers[0]!;
    expect(numbers).toEqual(Array.from({ length: 2001 - first }, (_, i) => first + i));
    expect(
      readdirSync(project.path('logs'))
        .filter((name) => /^counter\.log\.\d+$/.test(name))
        .sort(),
    ).toEqual(['counter.log.1', 'counter.log.2']);
    follow.child.kill('SIGINT');
  });
});

describe('a terminal that does not read', () => {
  it('never blocks the supervisor or grows its memory, keeps every line in the file, and says what it skipped', async () => {
    project = createTempProject(
      `export default { services: { burst: { command: '${fixture('burst.js')}', env: { COUNT: '1000000' }, health: { log: 'burst ready' } } } };`,
    );
    const child = spawn(process.execPath, [BIN, 'up'], {
      cwd: project.dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pause(); // nobody reads: the pipe fills up, as with Ctrl-S or a stalled ssh
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const log = project.path('logs/burst.log');
    const tail = (): string => readCurrentFile(log).slice(-100);
    await waitFor(() => /END 1000000\n$/.test(tail()), 'every line to reach the file', 60_000);
    const rssMb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
    expect(rssMb).toBeLessThan(150);
    // Still answering while its terminal is stuck.
    const ps = await project.run(['ps', '--json']);
    expect(JSON.parse(ps.stdout)).toMatchObject([{ name: 'burst', state: 'ready' }]);
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stdout.resume();
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(130);
    expect(stdout).toMatch(/devstack \| \(skipped \d+ writes while the terminal was not reading: every line is in the log files\)/);
    expect(stdout).toContain('burst stopped');
  }, 90_000);
});

describe('what devstack says, without a foreground', () => {
  it('shows restarts in devstack logs, and streams events as text and JSON, resumable with --since', async () => {
    project = createTempProject(
      `export default { services: { api: { command: '${fixture('forever.js')} api', health: { log: 'forever' } } } };`,
    );
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const follow = project.start(['events', '-f', '--json']);
    expect((await project.run(['restart', 'api'])).code).toBe(0);
    await waitFor(() => follow.output().includes('"type":"restarted"'), 'the restart to be streamed');
    const logs = await project.run(['logs', 'api']);
    expect(logs.stdout).toMatch(/^api restarted \(devstack restart\) — ready in \d+ ms$/m);
    const text = await project.run(['events']);
    expect(text.stdout).toMatch(/^\S+Z #\d+ api ready in \d+ ms$/m);
    const all = (await project.run(['events', '--json'])).stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; type: string });
    expect(all[0]).toMatchObject({ seq: 1, type: 'run-started' });
    const restartedAt = all.find((event) => event.type === 'restarted')!.seq;
    const after = (await project.run(['events', '--json', '--since', String(restartedAt - 1)])).stdout.trim().split('\n');
    expect(JSON.parse(after[0]!)).toMatchObject({ seq: restartedAt, type: 'restarted' });
    await project.run(['down']);
    await follow.done; // the stream ends with the stack
    const history = await project.run(['events', '--json']); // from devstack.log, no supervisor now
    expect(history.stdout).toContain('"type":"run-finished"');
  });
});

describe('--json outputs', () => {
  it('up --json: the events as JSON lines, no banner; ps --json: one object per service', async () => {
    project = createTempProject(
      `export default { services: { api: { command: '${fixture('forever.js')} api', health: { log: 'forever' } } } };`,
    );
    const up = await project.run(['up', '-d', '--json']);
    expect(up.code).toBe(0);
    const events = up.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { seq: number; time: number; type: string; service?: string; state?: { type: string } });
    expect(events[0]).toMatchObject({ seq: 1, type: 'run-started', services: ['api'] });
    expect(events.map((event) => (event.type === 'state' ? `${event.service} ${event.state!.type}` : event.type))).toEqual([
      'run-started',
      'api starting',
      'api starting',
      'api ready',
      'startup-finished',
    ]);
    expect(events.every((event) => typeof event.time === 'number')).toBe(true);
    const rows = JSON.parse((await project.run(['ps', '--json'])).stdout) as Record<string, unknown>[];
    expect(rows).toEqual([{ name: 'api', state: 'ready', pid: expect.any(Number), uptimeMs: expect.any(Number), restarts: 0 }]);
  });
});

describe('terminal control sequences', () => {
  it('never reach the merged view or the files; colours stay in the files and on a terminal only', async () => {
    project = createTempProject(
      `export default { services: { tricks: { command: '${fixture('terminal-tricks.js')}', health: { log: 'tricks done' } } } };`,
    );
    const up = await project.run(['up', '--wait']);
    expect(up.code).toBe(0);
    const expected = ['cleared the screen', 'red text and plain', 'progress 100%', 'titled with a bell', 'moved up and erased'];
    for (const text of expected) expect(up.stdout).toContain(`tricks   | ${text}\n`);
    expect(up.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    // The file keeps the colours (for the dashboard, and `devstack logs` on a terminal), nothing else.
    const file = project.read('logs/tricks.log');
    expect(file).toContain(' out \x1b[31mred text\x1b[0m and plain\n');
    const uncoloured = file.replace(/\x1b\[[0-9;]*m/g, '');
    for (const text of expected) expect(uncoloured).toContain(` out ${text}\n`);
    expect(uncoloured).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    // Read into a pipe, they are stripped: one service's whole log (the fast path), the merged view, JSON.
    for (const args of [['logs', 'tricks'], ['logs'], ['logs', '-n', '10'], ['logs', '--json']]) {
      const read = await project.run(args);
      expect(read.stdout, args.join(' ')).toContain('red text and plain');
      expect(read.stdout, args.join(' ')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    }
    await project.run(['down']);
    // On a terminal (util-linux `script` gives one), the service's colour survives, the screen clear does not.
    const env = { ...process.env };
    delete env.NO_COLOR;
    const onTerminal = await new Promise<string>((resolve) =>
      execFile('script', ['-qec', `${process.execPath} ${BIN} up --wait`, '/dev/null'], { cwd: project!.dir, env }, (_error, stdout) =>
        resolve(stdout),
      ),
    );
    expect(onTerminal).toContain('\x1b[31mred text\x1b[0m and plain');
    expect(onTerminal).not.toContain('\x1b[2J');
    expect(onTerminal).not.toContain('\x1b]0;');
  });
});
