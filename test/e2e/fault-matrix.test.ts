// The fault matrix items not covered elsewhere (see README "Fault matrix" for where each lives):
// a 1M-line burst through a restart, and a corpus of malformed configs through the real CLI.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempProject, fixture, type TempProject } from '../helpers/project.js';
import { readCurrentFile } from '../helpers/files.js';
import { waitFor } from '../helpers/wait.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

describe('fault matrix', () => {
  it('12: a 1M-line burst interrupted by a restart, rotated every 10 MB, loses, repeats and tears no line', async () => {
    project = createTempProject(
      `export default {
        logRotation: { maxSize: '10mb', keep: 50 },
        services: { burst: { command: '${fixture('burst.js')}', health: { log: 'burst ready' }, stopTimeout: '20s' } },
      };`,
    );
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const log = project.path('logs/burst.log');
    const current = (): string => readCurrentFile(log);
    await waitFor(() => current().length > 2_000_000, 'the burst to be under way');
    const restart = await project.run(['restart', 'burst'], { timeoutMs: 60_000 });
    expect(restart.code, restart.stderr).toBe(0);
    await waitFor(() => /END 1000000\n$/.test(current().slice(-200)), 'the second run to finish its million lines', 60_000);
    await project.run(['down']);

    // The rotated files, oldest first, then the current one: together, the whole log.
    const files = readdirSync(project.path('logs'))
      .filter((name) => /^burst\.log\.\d+$/.test(name))
      .sort((a, b) => Number(b.split('.').pop()) - Number(a.split('.').pop()));
    // The second run alone writes ~125 MB (1M lines of ~125 bytes); how much the first wrote before its
    // restart depends on the machine's speed, so it sets no lower bound.
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const file of files) {
      const size = statSync(project.path('logs', file)).size;
      expect(size).toBeLessThanOrEqual(10 * 1024 * 1024);
      expect(size).toBeGreaterThan(9 * 1024 * 1024); // rotated when full, not early
    }
    const lines = [...files.map((file) => project!.path('logs', file)), log].flatMap((path) => readFileSync(path, 'utf8').split('\n'));
    const padding = 'x'.repeat(90);
    const runs: number[][] = [[]];
    const ends: number[] = [];
    let torn = 0;
    for (const line of lines) {
      const match = /^\S+ (out|err|sys) (.*)$/.exec(line);
      if (!match) {
        if (line !== '') torn++;
        continue;
      }
      const text = match[2]!;
      if (text.startsWith('END ')) {
        ends.push(Number(text.slice(4)));
        runs.push([]);
      } else if (match[1] === 'out' && /^\d+ x+$/.test(text)) {
        if (!text.endsWith(` ${padding}`)) torn++;
        runs.at(-1)!.push(Number(text.split(' ')[0]));
      }
    }
    expect(torn).toBe(0);
    expect(ends).toHaveLength(2);
    expect(ends[1]).toBe(1_000_000);
    // Every line each run wrote is there, once, in order: 1..END.
    for (const [index, end] of ends.entries()) {
      const numbers = runs[index]!;
      expect(numbers.length).toBe(end);
      expect(numbers.every((value, i) => value === i + 1)).toBe(true);
    }
  }, 120_000);
});

/** Malformed configs: each must give one error line naming file and field, exit 1, and no stack. */
const CORPUS: [string, string][] = [
  ['syntax error', "export default { services: { api: { command: 'x' } }"],
  ['unterminated string', "export default { services: { api: { command: 'x } } };"],
  ['type annotation error at runtime', "const port: number = 'x' as any; export default { services: { api: { command: 'x', port } } };"],
  ['throws while loading', "throw new Error('boom'); export default {};"],
  ['no default export', 'export const services = {};'],
  ['default export is a number', 'export default 42;'],
  ['default export is null', 'export default null;'],
  ['services missing', 'export default {};'],
  ['services is an array', "export default { services: [{ command: 'x' }] };"],
  ['services empty', 'export default { services: {} };'],
  ['unknown top-level field', "export default { services: { api: { command: 'x' } }, sevrices: {} };"],
  ['unknown service field', "export default { services: { api: { command: 'x', depends_on: [] } } };"],
  ['command missing', 'export default { services: { api: {} } };'],
  ['command empty', "export default { services: { api: { command: '' } } };"],
  ['command a number', 'export default { services: { api: { command: 42 } } };'],
  ['argv empty', 'export default { services: { api: { command: [] } } };'],
  ['service is a string', "export default { services: { api: 'node server.js' } };"],
  ['bad service name', "export default { services: { 'my api': { command: 'x' } } };"],
  ['port negative', "export default { services: { api: { command: 'x', port: -1 } } };"],
  ['port too big', "export default { services: { api: { command: 'x', port: 65536 } } };"],
  ['port a word', "export default { services: { api: { command: 'x', port: 'eighty' } } };"],
  ['duplicate ports', "export default { services: { a: { command: 'x', port: 3000 }, b: { command: 'y', port: 3000 } } };"],
  ['unknown dependency', "export default { services: { api: { command: 'x', dependsOn: ['db'] } } };"],
  ['dependsOn a string', "export default { services: { db: { command: 'x' }, api: { command: 'x', dependsOn: 'db' } } };"],
  ['self dependency', "export default { services: { api: { command: 'x', dependsOn: ['api'] } } };"],
  ['cycle', "export default { services: { a: { command: 'x', dependsOn: ['b'] }, b: { command: 'y', dependsOn: ['a'] } } };"],
  [
    'long cycle',
    "export default { services: { a: { command: 'x', dependsOn: ['c'] }, b: { command: 'y', dependsOn: ['a'] }, c: { command: 'z', dependsOn: ['b'] } } };",
  ],
  ['bad health URL', "export default { services: { api: { command: 'x', health: 'localhost:3000' } } };"],
  ['health URL with spaces', "export default { services: { api: { command: 'x', health: 'http:// bad' } } };"],
  ['unknown health kind', "export default { services: { api: { command: 'x', health: { url: 'http://a' } } } };"],
  ['bad status', "export default { services: { api: { command: 'x', health: { http: 'http://a/', expectStatus: [999] } } } };"],
  ['bad regex', "export default { services: { api: { command: 'x', health: { log: '[' } } } };"],
  ['bad tcp target', "export default { services: { api: { command: 'x', health: { tcp: 'no-port' } } } };"],
  ['bad duration', "export default { services: { api: { command: 'x', stopTimeout: 'soon' } } };"],
  ['bad signal', "export default { services: { api: { command: 'x', stopSignal: 'TERM' } } };"],
  ['bad env value', "export default { services: { api: { command: 'x', env: { A: null } } } };"],
  ['bad watch', "export default { services: { api: { command: 'x', watch: 'src' } } };"],
  ['bad restart policy', "export default { services: { api: { command: 'x', restart: 'sometimes' } } };"],
  ['bad type', "export default { services: { api: { command: 'x', type: 'job' } } };"],
  ['task with health', "export default { services: { api: { command: 'x', type: 'task', health: { tcp: 1 } } } };"],
  ['unknown template service', "export default { services: { api: { command: 'x', env: { U: '${services.db.url}' } } } };"],
  ['${port} without port', "export default { services: { api: { command: 'x', health: 'http://127.0.0.1:${port}/' } } };"],
  ['bad logsDir', "export default { logsDir: 5, services: { api: { command: 'x' } } };"],
];

describe('malformed config corpus', () => {
  it(`gives ${CORPUS.length} malformed configs one clear line each, exit 1, no stack`, async () => {
    project = createTempProject('export default {};');
    const dir = project;
    const results = [];
    // A few at a time: each is a real CLI run.
    for (let i = 0; i < CORPUS.length; i += 4) {
      results.push(
        ...(await Promise.all(
          CORPUS.slice(i, i + 4).map(async ([name, source], j) => {
            const file = `configs/${i + j}.config.ts`;
            dir.write(file, source);
            return { name, file, result: await dir.run(['ps', '-c', file]) };
          }),
        )),
      );
    }
    for (const { name, file, result } of results) {
      expect(result.code, name).toBe(1);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines[0]!.startsWith(`error: ${file}: `), `${name}: ${lines[0]}`).toBe(true);
      expect(lines.length, `${name}: ${result.stderr}`).toBeLessThanOrEqual(2);
      if (lines[1] !== undefined) expect(lines[1], name).toMatch(/^hint: /);
      expect(result.stderr, name).not.toMatch(/\n\s+at |internal error/);
    }
  }, 120_000);
});
