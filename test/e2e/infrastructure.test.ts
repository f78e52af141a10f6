// Infrastructure beyond databases, for real: RabbitMQ natively from Debian's rabbitmq-server and in
// a container (an image built locally from the same binaries), and any image as a container
// service (built locally, no registry). Nothing is left after `down`: not epmd, not a container.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempProject, fixture, type TempProject } from '../helpers/project.js';
import { isAlive, processesUnder } from '../helpers/processes.js';

let projects: TempProject[] = [];
afterEach(async () => {
  for (const project of projects) {
    await project.run(['down', '--volumes', '--yes'], { timeoutMs: 90_000 });
    await project.cleanup();
  }
  projects = [];
});

function project(config: string): TempProject {
  const created = createTempProject(config);
  chmodSync(created.dir, 0o755);
  projects.push(created);
  return created;
}

async function up(p: TempProject): Promise<string> {
  const result = await p.run(['up', '-d'], { timeoutMs: 120_000 });
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return result.stdout;
}

const lastLine = (p: TempProject, service: string, marker: string): string =>
  p
    .read(`logs/${service}.log`)
    .split('\n')
    .findLast((line) => line.includes(marker)) ?? `(no ${marker} line)`;

const client = `app: { command: '${fixture('amqp-client.js')}', dependsOn: ['broker'], health: { log: 'AMQP queued' } }`;

describe('RabbitMQ, native (Debian rabbitmq-server)', () => {
  it('runs on 127.0.0.1 with its own epmd, injects amqp:// URLs, keeps queues across down/up, and leaves nothing', async () => {
    const p = project(`export default {
      databases: { broker: { engine: 'rabbitmq', mode: 'native', user: 'app', password: 'pa55', port: 'auto', management: true, ports: { management: 'auto' } } },
      services: { ${client} },
    };`);
    const first = await up(p);
    expect(first).toMatch(/broker runs native 3\.\d+; data in \.devstack\/data\/broker/);
    expect(lastLine(p, 'app', 'AMQP')).toMatch(/AMQP queued=0 url=amqp:\/\/app:\*\*\*\*@127\.0\.0\.1:\d+ rabbitmq=true$/);
    const env = (await p.run(['env', 'app', '--json', '--reveal'])).stdout;
    const values = JSON.parse(env) as Record<string, { value: string }>;
    expect(values.BROKER_URL!.value).toMatch(/^amqp:\/\/app:pa55@127\.0\.0\.1:\d+$/);
    expect(values.AMQP_URL!.value).toBe(values.BROKER_URL!.value);
    expect(values.BROKER_MANAGEMENT_URL!.value).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // The management API answers, with the configured user.
    const management = values.BROKER_MANAGEMENT_URL!.value;
    const overview = await fetch(`${management}/api/overview`, {
      headers: { authorization: `Basic ${Buffer.from('app:pa55').toString('base64')}` },
    });
    expect(overview.status).toBe(200);
    // Every port it listens on is on loopback; epmd is its own and goes with it.
    const beam = processesUnder(p.dir).find((found) => found.command.includes('beam.smp'))!;
    const listening = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(`pid=${beam.pid},`) || line.includes('"epmd"'));
    expect(listening.filter((line) => line.includes(`pid=${beam.pid},`)).length).toBeGreaterThanOrEqual(3);
    for (const line of listening.filter((line) => line.includes(`pid=${beam.pid},`))) expect(line).toMatch(/ 127\.0\.0\.1:\d+ /);
    const epmd = processesUnder(p.dir).find((found) => found.command.includes('epmd'));
    expect(epmd).toBeDefined();

    const down = await p.run(['down'], { timeoutMs: 60_000 });
    expect(down.stdout).toBe('devstack: stopped broker, app\n');
    expect(isAlive(epmd!.pid)).toBe(false);
    expect(p.read('logs/broker.log')).not.toMatch(/\[error\]/); // stopped gracefully, its helpers after it
    await up(p);
    expect(lastLine(p, 'app', 'AMQP')).toMatch(/AMQP queued=1 /); // the persistent message survived
    const wipe = await p.run(['down', '--volumes', '--yes'], { timeoutMs: 60_000 });
    expect(wipe.stdout).toContain('deleted the data of broker');
    expect(existsSync(p.path('.devstack/data/broker'))).toBe(false);
  }, 120_000);

  it('checks every one of its ports before starting, naming the holder of a taken one', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as { port: number }).port;
    try {
      const p = project(`export default {
        databases: { broker: { engine: 'rabbitmq', mode: 'native', port: 'auto', management: true, ports: { management: ${taken} } } },
        services: { ${client} },
      };`);
      const result = await p.run(['up', '-d']);
      expect(result.code).toBe(1);
      expect(result.stderr.split('\n')[0]).toMatch(
        new RegExp(`^error: port ${taken} \\("management"\\) of service "broker" is already in use by pid ${process.pid} `),
      );
    } finally {
      holder.close();
    }
  });
});

function containersOf(p: TempProject): string[] {
  const out = execFileSync('docker', ['ps', '--all', '--format', '{{.Names}}'], { encoding: 'utf8' });
  const id = p.dir
    .split('/')
    .pop()!
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-');
  return out.split('\n').filter((name) => name.includes(id));
}

describe('RabbitMQ in a container (an image built from the same Debian binaries)', () => {
  it('runs the image with its RABBITMQ_DEFAULT_* contract, published on 127.0.0.1, and removes it on down', async () => {
    const p = project(`export default {
      databases: { broker: { engine: 'rabbitmq', mode: 'container', image: 'devstack-test/rabbitmq:3', user: 'app', password: 'pa55', port: 'auto' } },
      services: { ${client} },
    };`);
    const first = await up(p);
    expect(first).toMatch(/broker runs container devstack-test\/rabbitmq:3 \(docker\); data in volume devstack-/);
    expect(lastLine(p, 'app', 'AMQP')).toMatch(/AMQP queued=0 url=amqp:\/\/app:\*\*\*\*@127\.0\.0\.1:\d+/);
    expect(containersOf(p)).toHaveLength(1);
    await p.run(['down'], { timeoutMs: 60_000 });
    expect(containersOf(p)).toEqual([]);
    await up(p);
    expect(lastLine(p, 'app', 'AMQP')).toMatch(/AMQP queued=1 /); // kept in the named volume
  }, 120_000);
});

describe('any image, as a container service', () => {
  it('builds it once, publishes its ports on 127.0.0.1, passes only its env, keeps its volume, and a native service reaches it', async () => {
    const p = project(`export default {
      containers: {
        echo: {
          image: 'devstack-test/echo-built:${process.pid}',
          build: 'echo-image',
          ports: { http: { port: 'auto', container: 8080 } },
          env: { GREETING: 'hi from \${USER_NAME:-a container}', LISTEN_PORT: 8080 },
          volumes: { data: '/data' },
          health: 'http://127.0.0.1:\${port}/health',
        },
      },
      services: {
        caller: { command: '${fixture('fetch-once.js', 'ECHO_URL')}', dependsOn: ['echo'], health: { log: 'CALLED' } },
      },
    };`);
    p.write('echo-image/Dockerfile', 'FROM devstack-test/echo:1\nENV BUILT=yes\n');
    p.write('.env', 'USER_NAME=devstack\nSECRET_TOKEN=not-for-the-container\n');
    try {
      const first = await up(p);
      expect(first).toContain('echo started');
      expect(lastLine(p, 'caller', 'CALLED')).toMatch(/CALLED hi from devstack visits=1$/);
      const inspect = JSON.parse(execFileSync('docker', ['inspect', containersOf(p)[0]!], { encoding: 'utf8' })) as {
        Config: { Env: string[] };
        HostConfig: { PortBindings: Record<string, { HostIp: string }[]> };
      }[];
      expect(inspect[0]!.Config.Env).toEqual(expect.arrayContaining(['GREETING=hi from devstack', 'LISTEN_PORT=8080', 'BUILT=yes']));
      expect(inspect[0]!.Config.Env.join('\n')).not.toContain('SECRET_TOKEN'); // only what the config gives it
      expect(inspect[0]!.HostConfig.PortBindings['8080/tcp']).toEqual([expect.objectContaining({ HostIp: '127.0.0.1' })]);
      await p.run(['down'], { timeoutMs: 60_000 });
      expect(containersOf(p)).toEqual([]);
      await up(p);
      expect(lastLine(p, 'caller', 'CALLED')).toMatch(/visits=2$/); // the volume kept its data
      // SIGKILLed supervisor: the guardian removes the container too.
      process.kill(p.supervisorPid(), 'SIGKILL');
      for (let i = 0; i < 150 && containersOf(p).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 200));
      expect(containersOf(p)).toEqual([]);
      const wipe = await p.run(['down', '--volumes', '--yes']);
      expect(wipe.stdout).toContain('deleted the data of echo');
      expect(existsSync(p.path('.devstack/data/echo/data'))).toBe(false);
    } finally {
      execFileSync('docker', ['image', 'rm', '--force', `devstack-test/echo-built:${process.pid}`], { stdio: 'ignore' });
    }
  }, 120_000);

  it('says so when the image is not there and cannot be pulled, and skips an optional one', async () => {
    const p = project(`export default {
      containers: { nope: { image: 'devstack-test/no-such-image:1', ports: { http: 18080 } }, maybe: { image: 'devstack-test/no-such-image:2', optional: true } },
      services: { api: { command: '${fixture('forever.js')}' } },
    };`);
    const failed = await p.run(['up', '-d']);
    expect(failed.code).toBe(1);
    expect(failed.stderr.split('\n')[0]).toMatch(
      /^error: container "nope" \(devstack-test\/no-such-image:1\) cannot run here: cannot get the image devstack-test\/no-such-image:1 \(docker pull: .+\)$/,
    );
    p.write('services.config.ts', p.read('services.config.ts').replace(/nope: \{[^}]*\} \}, /, ''));
    const skipped = await p.run(['up', '-d']);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stdout).toMatch(/maybe skipped \(optional, and no way to run it here: cannot get the image/);
  });
});
