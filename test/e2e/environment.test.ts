// Each service's environment, read back from real child processes: layering, interpolation,
// ports, discovery, masking and profiles.
import { readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempProject, fixture, freePort, type TempProject } from '../helpers/project.js';

let projects: TempProject[] = [];
afterEach(async () => {
  await Promise.all(projects.map((project) => project.cleanup()));
  projects = [];
});

function project(config: string): TempProject {
  const created = createTempProject(config);
  projects.push(created);
  return created;
}

/** The environment a service printed (print-env.js). */
function printedEnv(p: TempProject, service: string): Record<string, string | null> {
  const line = p
    .read(`logs/${service}.log`)
    .split('\n')
    .findLast((l) => l.includes(' ENV {')); // the log spans runs
  if (!line) throw new Error(`${service} printed no ENV line:\n${p.read(`logs/${service}.log`)}`);
  return JSON.parse(line.slice(line.indexOf('ENV ') + 4)) as Record<string, string | null>;
}

const printEnv = (show: string, extra = ''): string =>
  `{ command: '${fixture('print-env.js')}', env: { SHOW: '${show}' }, health: { log: 'ENV' }${extra} }`;

describe('environment layers', () => {
  it('applies each layer in order, later wins', async () => {
    const vars = ['L0', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6', 'L7', 'L8', 'L9', 'PORT'];
    const p = project(`export default {
      services: {
        api: { command: '${fixture('print-env.js')}', cwd: 'apps/api', port: 'auto', health: { log: 'ENV' },
               env: { SHOW: '${vars.join(',')}', L9: 'config', PORT: 'config' } },
      },
    };`);
    // Layer n sets L<n>..L9 to its own name, so L<n> shows the highest layer that set it.
    const layer = (from: number, value: string): string =>
      vars
        .slice(from, 10)
        .map((name) => `${name}=${value}`)
        .join('\n') + '\n';
    p.write('.env', layer(1, 'root-env'));
    p.write('.env.local', layer(2, 'root-local'));
    p.write('.env.development', layer(3, 'root-mode'));
    p.write('.env.development.local', layer(4, 'root-mode-local'));
    p.write('apps/api/.env', layer(5, 'svc-env'));
    p.write('apps/api/.env.local', layer(6, 'svc-local'));
    p.write('apps/api/.env.development', layer(7, 'svc-mode'));
    p.write('apps/api/.env.development.local', layer(8, 'svc-mode-local') + 'PORT=from-file\n');
    p.write('.env.test', 'L3=root-test\n');
    const up = await p.run(['up', '-d'], { env: { L0: 'process', L1: 'process' } });
    expect(up.code, up.stderr).toBe(0);
    const env = printedEnv(p, 'api');
    expect(env).toMatchObject({
      L0: 'process',
      L1: 'root-env',
      L2: 'root-local',
      L3: 'root-mode',
      L4: 'root-mode-local',
      L5: 'svc-env',
      L6: 'svc-local',
      L7: 'svc-mode',
      L8: 'svc-mode-local',
      L9: 'config',
    });
    expect(env.PORT).toMatch(/^\d+$/); // injected last: neither the file nor the config wins

    await p.run(['down']);
    const testMode = await p.run(['up', '-d', '--mode', 'test'], { env: { L0: 'process' } });
    expect(testMode.code, testMode.stderr).toBe(0);
    // No .env.development* files now: .env.test comes after .env.local at the root.
    expect(printedEnv(p, 'api')).toMatchObject({
      L2: 'root-local',
      L3: 'root-test',
      L4: 'root-local',
      L5: 'svc-env',
      L7: 'svc-local',
      L8: 'svc-local',
    });
  });

  it('interpolates ${VAR} across layers, with defaults and escapes', async () => {
    const p = project(
      `export default { services: { api: ${printEnv('HOST_URL,FROM_CONFIG,FALLBACK,LITERAL', `, env: { SHOW: 'HOST_URL,FROM_CONFIG,FALLBACK,LITERAL', FROM_CONFIG: '\${HOST_URL}/v1', FALLBACK: '\${NOPE:-dflt}' }`)} } };`,
    );
    p.write('.env', 'DB_HOST=db.internal\nLITERAL=cost \\$5\n');
    p.write('.env.local', 'HOST_URL=http://${DB_HOST}:5432\n');
    expect((await p.run(['up', '-d'])).code).toBe(0);
    expect(printedEnv(p, 'api')).toEqual({
      HOST_URL: 'http://db.internal:5432',
      FROM_CONFIG: 'http://db.internal:5432/v1',
      FALLBACK: 'dflt',
      LITERAL: 'cost $5',
    });
  });

  it('reports a malformed .env line by file and line, without its content, before starting anything', async () => {
    const p = project(`export default { services: { api: ${printEnv('A')} } };`);
    p.write('.env', 'A=1\n# comment\nDB_PASSWORD hunter2\n');
    const up = await p.run(['up']);
    expect(up.code).toBe(1);
    expect(up.stderr).toBe(
      'error: .env:3: malformed line (expected KEY=value)\nhint: write KEY=value, quote values with spaces or # in them, and start comments with #\n',
    );
    expect(up.stdout).toBe('');
  });

  it('does not hand npm script variables or devstack markers of an outer run to services', async () => {
    const p = project(`export default { services: { api: ${printEnv('npm_lifecycle_event,INIT_CWD,KEEP')} } };`);
    expect((await p.run(['up', '-d'], { env: { npm_lifecycle_event: 'dev', INIT_CWD: '/x', KEEP: 'yes' } })).code).toBe(0);
    expect(printedEnv(p, 'api')).toEqual({ npm_lifecycle_event: null, INIT_CWD: null, KEEP: 'yes' });
  });
});

describe('ports and service discovery', () => {
  it('injects PORT, and <NAME>_URL / <NAME>_PORT of each dependency, and expands templates', async () => {
    const p = project(`export default {
      services: {
        'auth-service': { command: '${fixture('http-service.js')}', port: 'auto', health: 'http://127.0.0.1:\${port}/health' },
        api: { command: '${fixture('http-service.js')}', port: 'auto', dependsOn: ['auth-service'],
               health: { http: 'http://127.0.0.1:\${port}/health' },
               env: { CALL: '\${services.auth-service.url}/whoami' } },
        probe: ${printEnv('AUTH_SERVICE_URL,AUTH_SERVICE_PORT,API_URL,API_PORT,PORT,HOST', ", dependsOn: ['api'], env: { SHOW: 'AUTH_SERVICE_URL,AUTH_SERVICE_PORT,API_URL,API_PORT,PORT,HOST', HOST: '${services.api.host}' }")},
      },
    };`);
    const up = await p.run(['up', '-d']);
    expect(up.code, up.stderr).toBe(0);
    const rows = JSON.parse((await p.run(['ps', '--json'])).stdout) as { name: string; port: number }[];
    const port = (name: string): number => rows.find((row) => row.name === name)!.port;
    expect(printedEnv(p, 'probe')).toEqual({
      AUTH_SERVICE_URL: null, // not a direct dependency of probe
      AUTH_SERVICE_PORT: null,
      API_URL: `http://127.0.0.1:${port('api')}`,
      API_PORT: String(port('api')),
      PORT: null,
      HOST: '127.0.0.1',
    });
    // api really calls auth-service through the injected template URL.
    const answer = await (await fetch(`http://127.0.0.1:${port('api')}/call`)).text();
    expect(answer).toBe('called: hello from auth-service');
  });

  it('runs two copies of a project with auto ports side by side', async () => {
    const config = `export default { services: { api: { command: '${fixture('http-service.js')}', port: 'auto', health: 'http://127.0.0.1:\${port}/health' } } };`;
    const [a, b] = [project(config), project(config)];
    const [upA, upB] = await Promise.all([a.run(['up', '-d']), b.run(['up', '-d'])]);
    expect(upA.code, upA.stderr).toBe(0);
    expect(upB.code, upB.stderr).toBe(0);
    const portOf = async (p: TempProject): Promise<number> =>
      (JSON.parse((await p.run(['ps', '--json'])).stdout) as { port: number }[])[0]!.port;
    const [portA, portB] = [await portOf(a), await portOf(b)];
    expect(portA).not.toBe(portB);
    expect((await fetch(`http://127.0.0.1:${portA}/health`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${portB}/health`)).status).toBe(200);
    // The auto port stays the same across a restart within the run.
    expect((await a.run(['restart', 'api'])).code).toBe(0);
    expect(await portOf(a)).toBe(portA);
  });

  it('refuses a fixed port that is taken, naming the holder, before starting anything', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as { port: number }).port;
    try {
      const p = project(
        `export default { services: { db: ${printEnv('A')}, api: { command: 'node x.js', port: ${taken}, dependsOn: ['db'] } } };`,
      );
      const up = await p.run(['up']);
      expect(up.code).toBe(1);
      const [message, hint] = up.stderr.trim().split('\n');
      expect(message).toMatch(new RegExp(`^error: port ${taken} of service "api" is already in use by pid ${process.pid} \\(.*node.*\\)$`));
      expect(hint).toBe(`hint: stop pid ${process.pid}, or set port: 'auto' for "api" in services.config.ts`);
      expect(up.stdout).toBe(''); // db was not started either
    } finally {
      holder.close();
    }
  });
});

describe('devstack env', () => {
  it('shows values with their sources, masking secrets unless --reveal', async () => {
    const p = project(
      `export default { services: { db: { command: 'x', port: 5432 }, api: { command: 'x', dependsOn: ['db'], env: { API_TOKEN: 'tok-123', LOG_LEVEL: 'debug' } } } };`,
    );
    p.write('.env', 'DATABASE_URL=postgres://app:hunter2@127.0.0.1:5432/app\nDB_PASSWORD=hunter2\n');
    const shown = await p.run(['env', 'api']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^API_TOKEN=\*\*\*\* +# services\.config\.ts$/m);
    expect(shown.stdout).toMatch(/^DATABASE_URL=postgres:\/\/app:\*\*\*\*@127\.0\.0\.1:5432\/app +# \.env$/m);
    expect(shown.stdout).toMatch(/^DB_PASSWORD=\*\*\*\* +# \.env$/m);
    expect(shown.stdout).toMatch(/^DB_URL=http:\/\/127\.0\.0\.1:5432 +# devstack: dependency db$/m);
    expect(shown.stdout).toMatch(/^LOG_LEVEL=debug +# services\.config\.ts$/m);
    expect(shown.stdout).not.toContain('hunter2');
    expect(shown.stdout).not.toContain('tok-123');
    expect(shown.stdout).toMatch(/^\(\+\d+ variables passed through from devstack's environment; --all shows them\)$/m);

    const revealed = JSON.parse((await p.run(['env', 'api', '--json', '--reveal'])).stdout) as Record<
      string,
      { value: string; source: string }
    >;
    expect(revealed.DB_PASSWORD).toEqual({ value: 'hunter2', source: '.env' });
    expect(revealed.API_TOKEN).toEqual({ value: 'tok-123', source: 'services.config.ts' });
  });

  it('masks the robustly detected secrets by name and by value, and URL passwords and tokens', async () => {
    const p = project(`export default { services: { api: { command: 'x' } } };`);
    p.write(
      '.env',
      [
        'STRIPE_SK=plain-looking',
        'GITHUB_PAT=also-plain',
        'JWT=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig',
        'MY_PASS=letmein',
        'SIGNING_SALT=pepper',
        'apiKey=abc',
        'CALLBACK=https://hooks.example.com/in?token=t0k3n&plain=yes',
        'HOOK=https://user:pw@hooks.example.com/x',
        'SOMETHING=ghp_abcdefghijklmnopqrstuvwxyz0123456789',
        'RANDOM_BLOB=Zx8vQ2mN7pL4kR9sT1wY6bC3dF5gH0jK',
        'GIT_SHA=3f786850e387550fdab836ed7e6dc881de23001b',
        'AUTH_SERVICE_URL=http://127.0.0.1:8001',
        'KEYBOARD=us',
      ].join('\n'),
    );
    const shown = (await p.run(['env', 'api'])).stdout;
    for (const masked of ['STRIPE_SK', 'GITHUB_PAT', 'JWT', 'MY_PASS', 'SIGNING_SALT', 'apiKey', 'SOMETHING', 'RANDOM_BLOB']) {
      expect(shown).toMatch(new RegExp(`^${masked}=\\*\\*\\*\\* +# \\.env$`, 'm'));
    }
    expect(shown).toMatch(/^CALLBACK=https:\/\/hooks\.example\.com\/in\?token=\*\*\*\*&plain=yes +# \.env$/m);
    expect(shown).toMatch(/^HOOK=https:\/\/user:\*\*\*\*@hooks\.example\.com\/x +# \.env$/m);
    expect(shown).toMatch(/^GIT_SHA=3f786850e387550fdab836ed7e6dc881de23001b +# \.env$/m);
    expect(shown).toMatch(/^AUTH_SERVICE_URL=http:\/\/127\.0\.0\.1:8001 +# \.env$/m);
    expect(shown).toMatch(/^KEYBOARD=us +# \.env$/m);
  });

  it('never prints a secret that went into a health target: not on stdout, stderr, or in any file', async () => {
    const port = await freePort();
    const p = project(
      `export default { services: { api: { command: '${fixture('forever.js')}', port: ${port}, health: { http: 'http://admin:\${DB_PASSWORD}@127.0.0.1:\${port}/health?key=\${STRIPE_SK}', readyTimeout: '1s' } } } };`,
    );
    p.write('.env', 'DB_PASSWORD=hunter2-secret\nSTRIPE_SK=sk_live_abcdefghijklmnop\n');
    const up = await p.run(['up', '--wait']);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain(`GET http://admin:****@127.0.0.1:${port}/health?key=****: connection refused`);
    const everything = [up.stdout, up.stderr, ...readdirSync(p.path('logs')).map((file) => p.read(`logs/${file}`))].join('\n');
    expect(everything).not.toContain('hunter2-secret');
    expect(everything).not.toContain('sk_live_abcdefghijklmnop');
  });

  it('keeps the logs folder and its files private to their owner', async () => {
    const p = project(`export default { services: { api: ${printEnv('A')} } };`);
    expect((await p.run(['up', '-d'])).code).toBe(0);
    expect(statSync(p.path('logs')).mode & 0o777).toBe(0o700);
    for (const file of ['api.log', 'api.pid', 'devstack.log', 'devstack.pid', 'devstack.stderr.log']) {
      expect(statSync(p.path('logs', file)).mode & 0o777, file).toBe(0o600);
    }
  });

  it('keeps secrets out of devstack.log', async () => {
    const p = project(`export default { services: { api: ${printEnv('A', ", env: { SHOW: 'A', SECRET_KEY: 's3cr3t-value' }")} } };`);
    expect((await p.run(['up', '-d'])).code).toBe(0);
    await p.run(['down']);
    expect(p.read('logs/devstack.log')).not.toContain('s3cr3t-value');
  });
});

describe('profiles', () => {
  it('leaves profiled services out unless their profile is active, but pulls them in as dependencies', async () => {
    const p = project(`export default {
      services: {
        api: ${printEnv('A')},
        worker: ${printEnv('A', ", profiles: ['workers']")},
        mailer: ${printEnv('A', ", profiles: ['mail']")},
        reports: ${printEnv('A', ", dependsOn: ['mailer'], profiles: ['reporting']")},
      },
    };`);
    const names = async (): Promise<string[]> =>
      (JSON.parse((await p.run(['ps', '--json'])).stdout) as { name: string }[]).map((row) => row.name);
    expect((await p.run(['up', '-d'])).code).toBe(0);
    expect(await names()).toEqual(['api']);
    await p.run(['down']);
    expect((await p.run(['up', '-d', '--profile', 'workers,reporting'])).code).toBe(0);
    expect(await names()).toEqual(['api', 'worker', 'mailer', 'reports']);
    await p.run(['down']);
    expect((await p.run(['up', '-d', 'reports'])).code).toBe(0);
    expect(await names()).toEqual(['mailer', 'reports']);
  });
});
