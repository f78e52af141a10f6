// `watch: true` in an npm-workspaces monorepo, on real processes and real file changes: a shared
// package's edit restarts the services that use it, once each, in dependency order; a service's
// own edit restarts only it; node_modules and dist restart nothing; a package built in the stack
// restarts its users on its build output, not on its sources.
import { afterEach, describe, expect, it } from 'vitest';
import type { StampedEvent } from '../../src/supervisor/events.js';
import { createTempProject, fixture, freePort, type TempProject } from '../helpers/project.js';
import { waitFor } from '../helpers/wait.js';

let project: TempProject | undefined;
afterEach(async () => {
  await project?.cleanup();
  project = undefined;
});

function manifest(name: string, dependencies: Record<string, string> = {}, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ name, version: '1.0.0', dependencies, ...extra }, null, 2);
}

async function service(name: string, cwd: string, extra = ''): Promise<string> {
  const port = await freePort();
  // READY_DELAY_MS: a restart takes long enough for the order to show.
  return `'${name}': { command: '${fixture('http-service.js')}', cwd: '${cwd}', port: ${port}, env: { READY_DELAY_MS: '300' }, health: 'http://127.0.0.1:${port}/health', watch: true${extra} },`;
}

function restartsOf(events: readonly StampedEvent[], after: number): { service: string; file?: string; via?: string }[] {
  return events
    .filter((event) => event.seq > after && event.type === 'restarting')
    .map((event) => {
      if (event.type !== 'restarting' || event.cause.type !== 'change')
        return { service: event.type === 'restarting' ? event.service : '' };
      return { service: event.service, file: event.cause.file, via: event.cause.via };
    });
}

const lastSeq = (events: readonly StampedEvent[]): number => events.at(-1)?.seq ?? 0;

function timeOf(events: readonly StampedEvent[], after: number, service: string, state: string): number {
  const found = events.find(
    (event) => event.seq > after && event.type === 'state' && event.service === service && event.state.type === state,
  );
  if (found === undefined) throw new Error(`no ${state} of ${service}`);
  return found.time;
}

function monorepo(p: TempProject, sharedExtra: Record<string, unknown> = {}): void {
  p.write('package.json', JSON.stringify({ name: 'clinic', private: true, workspaces: ['packages/*', 'services/*'] }));
  p.write('packages/shared/package.json', manifest('@clinic/shared', {}, sharedExtra));
  p.write('packages/shared/src/jwt.js', 'export const secret = 1;\n');
  p.write('services/auth/package.json', manifest('auth-service', { '@clinic/shared': '*' }));
  p.write('services/user/package.json', manifest('user-service', { '@clinic/shared': '*', express: '^4' }));
  p.write('services/billing/package.json', manifest('billing-service'));
  for (const name of ['auth', 'user', 'billing']) p.write(`services/${name}/index.js`, '// service\n');
}

describe('hot restart in a workspaces monorepo', () => {
  it('restarts the users of a shared package in order, each once; own edits only the service; node_modules and dist nothing', async () => {
    project = createTempProject('export default { services: {} };');
    monorepo(project);
    project.write(
      'services.config.ts',
      `export default { services: {
        ${await service('auth', 'services/auth')}
        ${await service('user', 'services/user', ", dependsOn: ['auth']")}
        ${await service('billing', 'services/billing')}
      } };`,
    );
    const up = await project.run(['up', '-d']);
    expect(up.code, up.stderr).toBe(0);

    const ps = await project.run(['ps']);
    expect(ps.stdout).toMatch(/watching:\n\s+auth\s+services\/auth, packages\/shared \(@clinic\/shared\)/);
    expect(ps.stdout).toMatch(/billing\s+services\/billing\n/);

    // One edit in the shared package: auth and user restart, once each, user after auth is ready again.
    let before = lastSeq(project.events());
    project.write('packages/shared/src/jwt.js', 'export const secret = 2;\n');
    await waitFor(() => project!.events().filter((e) => e.seq > before && e.type === 'restarted').length >= 2, 'both restarts', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 800)); // nothing more is coming
    let events = project.events();
    expect(restartsOf(events, before).sort((a, b) => a.service.localeCompare(b.service))).toEqual([
      { service: 'auth', file: 'packages/shared/src/jwt.js', via: '@clinic/shared' },
      { service: 'user', file: 'packages/shared/src/jwt.js', via: '@clinic/shared' },
    ]);
    expect(timeOf(events, before, 'user', 'starting')).toBeGreaterThanOrEqual(timeOf(events, before, 'auth', 'ready'));
    const logs = await project.run(['logs', 'user']);
    expect(logs.stdout).toMatch(/user restarted \(packages\/shared\/src\/jwt\.js changed, via @clinic\/shared\)/);

    // The service's own edit: only it.
    before = lastSeq(events);
    project.write('services/user/index.js', '// edited\n');
    await waitFor(() => project!.events().some((e) => e.seq > before && e.type === 'restarted'), 'the restart', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 800));
    events = project.events();
    expect(restartsOf(events, before)).toEqual([{ service: 'user', file: 'index.js', via: undefined }]);

    // Dependencies and build output restart nothing.
    before = lastSeq(events);
    project.write('packages/shared/node_modules/dep/index.js', '// installed\n');
    project.write('packages/shared/dist/jwt.js', '// built\n');
    project.write('services/auth/node_modules/.cache/x', 'x');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(restartsOf(project.events(), before)).toEqual([]);
  });

  it('restarts the users of a package built in the stack on its build output, not on its sources', async () => {
    project = createTempProject('export default { services: {} };');
    monorepo(project, { main: 'dist/index.js' });
    project.write(
      'services.config.ts',
      `export default { services: {
        // The package's builder (a tsc -w in real life): here it only runs; the test writes its output.
        'shared-build': { command: '${fixture('forever.js')} build', cwd: 'packages/shared', health: { log: 'forever' } },
        ${await service('auth', 'services/auth', ", dependsOn: ['shared-build']")}
        ${await service('user', 'services/user', ", dependsOn: ['auth']")}
      } };`,
    );
    const up = await project.run(['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    expect((await project.run(['ps'])).stdout).toMatch(/auth\s+services\/auth, packages\/shared\/dist \(@clinic\/shared, build output\)/);

    let before = lastSeq(project.events());
    project.write('packages/shared/src/jwt.js', 'export const secret = 3;\n'); // a source edit: the builder's job
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(restartsOf(project.events(), before)).toEqual([]);

    before = lastSeq(project.events());
    project.write('packages/shared/dist/index.js', 'export const secret = 3;\n');
    project.write('packages/shared/dist/jwt.js', 'export const secret = 3;\n');
    await waitFor(() => project!.events().filter((e) => e.seq > before && e.type === 'restarted').length >= 2, 'both restarts', 20_000);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const restarted = restartsOf(project.events(), before).map((restart) => [restart.service, restart.via]);
    expect(restarted.sort()).toEqual([
      ['auth', '@clinic/shared'],
      ['user', '@clinic/shared'],
    ]);
  });
});
