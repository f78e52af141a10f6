// `devstack export` on real engines: the example stack's Compose file passes Debian's
// docker-compose's own validation with its secrets kept out of it; a small stack — a task, a service
// that waits for it, a web service that calls the other through its injected URL — comes up with
// docker-compose and comes back through `devstack init`; the swarm file passes `docker stack
// config`. The example stack itself on both engines: test/engines/example-containers.test.ts.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { BIN, createTempProject, freePort, REPO_ROOT, type TempProject } from '../helpers/project.js';
import { NODE_IMAGE, removeComposeProject, run } from '../helpers/docker.js';
import { waitFor } from '../helpers/wait.js';

let project: TempProject | undefined;
let composeProject: string | undefined;
afterEach(async () => {
  // By project name: whichever file brought it up, its containers, networks and volumes go.
  if (composeProject !== undefined) await removeComposeProject(composeProject).catch(() => undefined);
  composeProject = undefined;
  await project?.cleanup();
  project = undefined;
});

/** A task, a service that waits for it, and a web service that calls the other through its injected URL. */
async function smallStack(): Promise<{ apiPort: number; webPort: number }> {
  const [apiPort, webPort] = [await freePort(), await freePort()];
  project = createTempProject(`export default {
    services: {
      migrate: { type: 'task', command: 'node -e "console.log(\\'migrated\\')"' },
      api: { command: 'node api.js', port: ${apiPort}, health: 'http://127.0.0.1:\${port}/health', dependsOn: ['migrate'], env: { API_TOKEN: 'tok-5e3f9a8b7c6d' } },
      web: { command: 'node web.js', port: ${webPort}, health: 'http://127.0.0.1:\${port}/health', dependsOn: ['api'] },
    },
  };`);
  // Services as a user writes them once they run in containers: the host from HOST.
  project.write(
    'api.js',
    `require('http').createServer((q, r) => r.end(q.url === '/health' ? 'ok' : 'api answers')).listen(process.env.PORT, process.env.HOST ?? '127.0.0.1');\n`,
  );
  project.write(
    'web.js',
    `require('http').createServer(async (q, r) => r.end(q.url === '/health' ? 'ok' : 'web got: ' + await (await fetch(process.env.API_URL)).text())).listen(process.env.PORT, process.env.HOST ?? '127.0.0.1');\n`,
  );
  chmodSync(project.dir, 0o755); // a repository as users have it (mkdtemp makes it 0700; the image runs as a non-root user)
  return { apiPort, webPort };
}

describe('devstack export compose', () => {
  it('writes the example stack as a file docker-compose accepts, secrets in 0600 env files beside it', async () => {
    const out = mkdtempSync(join(tmpdir(), 'devstack-export-'));
    try {
      const file = join(out, 'compose.yaml');
      const exported = await run(process.execPath, [BIN, 'export', 'compose', '-o', file], { cwd: REPO_ROOT });
      expect(exported.stdout).toContain('wrote');
      const text = readFileSync(file, 'utf8');
      const config = await run('docker-compose', ['-f', file, 'config']);
      expect(config.stdout).toContain('auth-service:');
      // Injected URLs name the Compose services; dependencies wait for health.
      expect(text).toMatch(/AUTH_SERVICE_URL: http:\/\/auth-service:\d+/);
      expect(text).toMatch(/depends_on:\n\s+auth-service:\n\s+condition: service_healthy/);
      expect(text).toMatch(/- 127\.0\.0\.1:4100:4100/);
      // The database password is in the env file only.
      const secrets = readFileSync(join(out, '.devstack', 'compose', 'order-service.env'), 'utf8');
      expect(secrets).toMatch(/postgres:\/\/[^:\s]+:[^@\s]+@postgres:5432\//);
      expect(text).not.toMatch(/:\/\/[^/\s:@]+:[^/\s@]+@/); // no URL with a password in the Compose file
      expect(statSync(join(out, '.devstack', 'compose', 'order-service.env')).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('comes up on the Docker engine with docker-compose: a task first, then the services in order, reachable by name', async () => {
    const { webPort } = await smallStack();
    const exported = await project!.run(['export', 'compose', '--node-image', NODE_IMAGE]);
    expect(exported.code, exported.stderr).toBe(0);
    const file = project!.path('compose.devstack.yaml');
    expect(readFileSync(file, 'utf8')).toMatch(/migrate:\n\s+condition: service_completed_successfully/);
    expect(readFileSync(file, 'utf8')).not.toContain('tok-5e3f9a8b7c6d');
    composeProject = `devstacktest${Date.now()}`;
    try {
      await run('docker-compose', ['-p', composeProject, '-f', file, 'up', '-d'], { timeout: 120_000 });
    } catch (error) {
      // What the containers said, so that a failure in CI explains itself.
      const logs = await run('docker-compose', ['-p', composeProject, '-f', file, 'logs', '--no-color']).catch((e: Error) => ({
        stdout: e.message,
      }));
      const health = await run('docker', ['inspect', '--format', '{{.Name}} {{json .State.Health}}', `${composeProject}_api_1`]).catch(
        (e: Error) => ({ stdout: e.message }),
      );
      throw new Error(`${(error as { stderr?: string }).stderr ?? String(error)}\n${logs.stdout}\n${health.stdout}`);
    }
    const page = await waitFor(
      async () => {
        // Each look bounded: web accepts before api answers it, and such a request may never end.
        const answer = await fetch(`http://127.0.0.1:${webPort}/`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
        return answer?.status === 200 ? answer.text() : undefined;
      },
      'web to answer through docker-compose',
      60_000,
    );
    expect(page).toBe('web got: api answers');
    await run('docker-compose', ['-p', composeProject, '-f', file, 'down', '-v', '-t', '1'], { timeout: 120_000 });
    const left = await run('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${composeProject}`]);
    expect(left.stdout.trim()).toBe('');
    composeProject = undefined;
  }, 300_000); // docker-compose up and down each may take a minute or two on a loaded machine
});

describe('export → init', () => {
  it('gives back the devstack config of the services that map, which runs natively again', async () => {
    const { webPort } = await smallStack();
    expect((await project!.run(['export', 'compose'])).code).toBe(0);
    const init = await project!.run(['init', '--compose', 'compose.devstack.yaml', '--force']);
    expect(init.code, init.stderr).toBe(0);
    const config = project!.read('services.config.ts');
    // The same services, natively, with their commands, ports, probes, order and the task.
    expect(config).toMatch(/migrate: \{\n\s+command: 'node -e "console\.log\(\\'migrated\\'\)"'.*\n\s+type: 'task',/);
    expect(config).toMatch(/api: \{\n\s+command: 'node api\.js'.*\n\s+port: \d+.*\n\s+health: 'http:\/\/127\.0\.0\.1:\$\{port\}\/health'/);
    expect(config).toMatch(/web: \{[\s\S]*?dependsOn: \[\n\s+'api'/);
    expect(config).not.toContain('containers:');
    expect(config).not.toContain("HOST: '0.0.0.0'");
    expect(config).not.toContain('API_URL'); // devstack injects it
    // The secret stayed out: a reference to set in .env.local.
    expect(config).not.toContain('tok-5e3f9a8b7c6d');
    expect(config).toContain("API_TOKEN: '${API_TOKEN}'");
    project!.write('.env.local', 'API_TOKEN=tok-5e3f9a8b7c6d\n');
    const up = await project!.run(['up', '-d']);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(await (await fetch(`http://127.0.0.1:${webPort}/`)).text()).toBe('web got: api answers');
  });
});

describe('devstack export swarm', () => {
  it('writes the stack for docker stack deploy: no startup order, restart policies, tasks once, the repository by absolute path', async () => {
    await smallStack();
    const exported = await project!.run(['export', 'swarm', '--node-image', NODE_IMAGE]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain('docker stack deploy -c stack.devstack.yaml');
    expect(exported.stderr).toContain('swarm starts every service at once');
    const text = readFileSync(project!.path('stack.devstack.yaml'), 'utf8');
    const file = parse(text) as { version: string; services: Record<string, Record<string, any>>; networks: unknown };
    expect(file.version).toBe('3.8');
    expect(file.services['migrate']!['deploy']).toEqual({ restart_policy: { condition: 'none' } });
    expect(file.services['api']!['deploy']).toEqual({ restart_policy: { condition: 'on-failure' } });
    expect(file.services['web']!['depends_on']).toEqual(['api']);
    expect(file.services['api']!['volumes']).toEqual([`${project!.dir}:/app`]);
    expect(file.services['api']!['ports']).toEqual([expect.stringMatching(/^\d+:\d+$/)]);
    expect(file.services['api']!['restart']).toBeUndefined();
    expect(file.networks).toEqual({ default: { driver: 'overlay', attachable: true } });
    expect(text).not.toContain('tok-5e3f9a8b7c6d');
    // docker stack deploy's own loader and schema (`docker stack config`) accept it; the Compose form it refuses.
    await run('docker', ['stack', 'config', '-c', project!.path('stack.devstack.yaml')]);
    await project!.run(['export', 'compose', '--node-image', NODE_IMAGE]);
    await expect(run('docker', ['stack', 'config', '-c', project!.path('compose.devstack.yaml')])).rejects.toThrow(
      /depends_on must be a list/,
    );
  });
});

describe('devstack export k8s', () => {
  /** Every manifest checked against the Kubernetes API schemas (kubernetes-models' validate: its OpenAPI schemas). */
  const MODELS: Record<string, new (data: never) => { validate(): void }> = {
    'apps/v1 Deployment': Deployment,
    'batch/v1 Job': Job,
    'v1 ConfigMap': ConfigMap,
    'v1 PersistentVolumeClaim': PersistentVolumeClaim,
    'v1 Secret': Secret,
    'v1 Service': Service,
  };
  const validated = (file: string): Record<string, unknown>[] =>
    parseAllDocuments(readFileSync(file, 'utf8')).map((document) => {
      const manifest = document.toJS() as { apiVersion: string; kind: string };
      const Model = MODELS[`${manifest.apiVersion} ${manifest.kind}`];
      expect(Model, `${manifest.apiVersion} ${manifest.kind}`).toBeDefined();
      new Model!(manifest as never).validate(); // throws, naming the field, when the schema disagrees
      return manifest as unknown as Record<string, unknown>;
    });

  it('writes the example stack as manifests that pass the Kubernetes API schemas, secrets apart', async () => {
    const out = mkdtempSync(join(tmpdir(), 'devstack-k8s-'));
    try {
      await run(process.execPath, [BIN, 'export', 'k8s', '-o', out], { cwd: REPO_ROOT });
      const manifests = validated(join(out, 'stack.yaml'));
      const secrets = validated(join(out, 'secrets.yaml'));
      const named = (kind: string, name: string): Record<string, any> | undefined =>
        manifests.find((m) => m['kind'] === kind && (m['metadata'] as { name: string }).name === name) as Record<string, any> | undefined;
      // A Deployment and a Service per service, named as the injected URLs say.
      expect(named('Service', 'auth-service')).toBeDefined();
      const user = named('Deployment', 'user-service')!.spec.template.spec;
      expect(user.initContainers.map((c: { name: string }) => c.name)).toEqual(['wait-for-auth-service']);
      // /me answers 401 when ready: not an httpGet (which takes 200–399 only) but the same check in node.
      expect(user.containers[0].readinessProbe.exec.command[0]).toBe('node');
      expect(named('Deployment', 'auth-service')!.spec.template.spec.containers[0].readinessProbe.httpGet).toMatchObject({
        path: '/health',
      });
      expect(named('ConfigMap', 'user-service-env')!.data.AUTH_SERVICE_URL).toMatch(/^http:\/\/auth-service:\d+$/);
      expect(named('PersistentVolumeClaim', 'postgres-data')).toBeDefined();
      // Passwords only in secrets.yaml (0600).
      expect(readFileSync(join(out, 'stack.yaml'), 'utf8')).not.toMatch(/:\/\/[^/\s:@]+:[^/\s@]+@/);
      expect(secrets.map((s) => (s['metadata'] as { name: string }).name)).toContain('order-service-secrets');
      expect(statSync(join(out, 'secrets.yaml')).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('turns a task into a Job and a log-line probe into a note', async () => {
    project = createTempProject(`export default { services: {
      migrate: { type: 'task', command: 'node migrate.js' },
      worker: { command: 'node worker.js', health: { log: 'worker ready' }, dependsOn: ['migrate'] },
    } };`);
    const exported = await project.run(['export', 'k8s']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toContain('worker: its readiness is a log line');
    const manifests = validated(project.path('k8s.devstack', 'stack.yaml'));
    expect(manifests.map((m) => `${m['kind']} ${(m['metadata'] as { name: string }).name}`)).toEqual(
      expect.arrayContaining(['Job migrate', 'Deployment worker']),
    );
  });
});
