// The example stack itself on real engines, from its exported files: Postgres, Redis, RabbitMQ and
// six Node services with docker-compose, and the same on a single-node swarm with docker stack
// deploy, the page served through all of them, then nothing left. In test/engines/, which `npm test`
// runs after the rest, alone (vitest.engines.config.ts): two cores running a nine-container stack
// beside the parallel suite made both miss their deadlines (measured: compose up past 240 s).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { BIN, REPO_ROOT } from '../helpers/project.js';
import { NODE_IMAGE, removeComposeProject, run } from '../helpers/docker.js';
import { waitFor } from '../helpers/wait.js';

let composeProject: string | undefined;
let swarmStack: string | undefined;
afterEach(async () => {
  if (swarmStack !== undefined) await removeSwarmStack(swarmStack).catch(() => undefined);
  swarmStack = undefined;
  if (composeProject !== undefined) await removeComposeProject(composeProject).catch(() => undefined);
  composeProject = undefined;
});

/** The official images' stand-ins built by scripts/build-test-images.sh (no registry is reachable here). */
const LOCAL_IMAGES: Readonly<Record<string, string>> = {
  postgres: 'devstack-test/postgres:15',
  redis: 'devstack-test/redis:7',
  broker: 'devstack-test/rabbitmq:3',
};

/**
 * The example stack exported for `target` into a new folder, then rewritten for this machine only:
 * the local stand-in images, no published ports (the example's are fixed, and another test runs the
 * example natively on them at the same time), and `change` for anything else. Returns the file.
 */
async function exportExample(target: 'compose' | 'swarm', change: (service: Record<string, unknown>) => void = () => {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `devstack-example-${target}-`));
  const exported = join(dir, 'exported.yaml');
  await run(process.execPath, [BIN, 'export', target, '--node-image', NODE_IMAGE, '-o', exported], { cwd: REPO_ROOT });
  const file = parse(readFileSync(exported, 'utf8')) as { services: Record<string, Record<string, unknown>> };
  for (const [name, service] of Object.entries(file.services)) {
    delete service['ports'];
    if (LOCAL_IMAGES[name] !== undefined) service['image'] = LOCAL_IMAGES[name];
    change(service);
  }
  const here = join(dir, 'here.yaml');
  writeFileSync(here, stringify(file, { version: '1.1', lineWidth: 0 })); // 1.1: docker-compose 1.x reads a bare yes as true
  return here;
}

/** The example's page, fetched by web's name from a container on `network`, every few seconds until it answers. */
async function examplePageOn(network: string, explain: () => Promise<string>): Promise<string> {
  let last = '';
  const fetchWeb = "fetch('http://web:4100/').then((r) => r.text()).then((t) => console.log(t), (e) => console.log(String(e.cause ?? e)))";
  return waitFor(
    async () => {
      const fetched = await run('docker', ['run', '--rm', '--network', network, NODE_IMAGE, 'node', '-e', fetchWeb], {
        timeout: 30_000,
      }).catch((error: Error) => ({ stdout: `docker run: ${error.message}` }));
      last = fetched.stdout;
      if (fetched.stdout.includes('<h1>')) return fetched.stdout;
      // Each look is a container on the stack's network: every few seconds, not every 20 ms (measured:
      // a container a few times a second kept the stack's services from becoming healthy).
      await new Promise((resolve) => setTimeout(resolve, 3000));
      return undefined;
    },
    `web to answer on ${network}`,
    180_000,
  ).catch(async (error: Error) => {
    throw new Error(`${error.message}\nlast answer: ${last.slice(0, 500)}\n${await explain()}`);
  });
}

function expectExamplePage(page: string): void {
  // Orders from Postgres (its init scripts ran in the container), the counter in Redis, the broker's panel.
  expect(page).toContain('Orders of Ada Lovelace (pro)');
  expect(page).toMatch(/Viewed \d+ times \(counted in Redis\)/);
  expect(page).toContain('Notifications (over RabbitMQ)');
}

describe('the example stack in containers', () => {
  it('comes up with docker-compose from devstack export compose, serves the page, and goes down leaving nothing', async () => {
    const file = await exportExample('compose');
    composeProject = `devstackexample${Date.now()}`;
    const compose = (...args: string[]) => run('docker-compose', ['-p', composeProject!, '-f', file, ...args], { timeout: 240_000 });
    try {
      await compose('up', '-d');
    } catch (error) {
      const logs = await compose('logs', '--no-color').catch((e: Error) => ({ stdout: e.message }));
      throw new Error(`${(error as { stderr?: string }).stderr ?? String(error)}\n${logs.stdout.slice(-4000)}`);
    }
    expectExamplePage(
      await examplePageOn(
        `${composeProject}_default`,
        async () => (await compose('ps').catch((e: Error) => ({ stdout: e.message }))).stdout,
      ),
    );
    await compose('down', '-v', '-t', '1');
    const left = await run('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${composeProject}`]);
    expect(left.stdout.trim()).toBe('');
    composeProject = undefined;
    rmSync(dirname(file), { recursive: true, force: true });
  }, 400_000);

  // docker swarm init (single node; .ci/run does it). Every service is scheduled at once; those with
  // dependencies restart until they answer. Also deployed with DNS round robin instead of virtual
  // IPs, for this machine, not for Swarm: its kernel has no IPVS, which VIPs and the routing mesh need.
  it('comes up on a single-node swarm from devstack export swarm with docker stack deploy, and docker stack rm leaves nothing', async () => {
    const state = await run('docker', ['info', '--format', '{{.Swarm.LocalNodeState}}']);
    expect(state.stdout.trim(), 'the engine is no swarm manager: docker swarm init (.ci/run does)').toBe('active');
    const file = await exportExample('swarm', (service) => {
      service['deploy'] = { ...(service['deploy'] as object), endpoint_mode: 'dnsrr' };
    });
    swarmStack = `devstackswarm${Date.now()}`;
    await run('docker', ['stack', 'deploy', '-c', file, swarmStack], { cwd: dirname(file), timeout: 120_000 });
    const stack = swarmStack;
    expectExamplePage(
      await examplePageOn(
        `${stack}_default`,
        async () =>
          (
            await run('docker', ['stack', 'ps', stack, '--no-trunc', '--format', '{{.Name}} {{.CurrentState}} {{.Error}}']).catch(
              (e: Error) => ({
                stdout: e.message,
              }),
            )
          ).stdout,
      ),
    );
    await removeSwarmStack(stack);
    swarmStack = undefined;
    rmSync(dirname(file), { recursive: true, force: true });
  }, 400_000);
});

/** docker stack rm, then until its containers and network are gone (Swarm removes them in the background), and its volumes. */
async function removeSwarmStack(name: string): Promise<void> {
  await run('docker', ['stack', 'rm', name]);
  await waitFor(
    async () => {
      const containers = await run('docker', ['ps', '-aq', '--filter', `label=com.docker.stack.namespace=${name}`]);
      const networks = await run('docker', ['network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${name}`]);
      return containers.stdout.trim() === '' && networks.stdout.trim() === '';
    },
    `the swarm stack ${name} to be gone`,
    90_000,
  );
  const volumes = await run('docker', ['volume', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${name}`]);
  for (const volume of volumes.stdout.trim().split('\n').filter(Boolean)) await run('docker', ['volume', 'rm', volume]);
}
