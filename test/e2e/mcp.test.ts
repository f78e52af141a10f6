// `devstack mcp` over the real protocol: the official SDK's client spawns it over stdio, as an
// editor's agent would, against a small stack of real HTTP services.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, createTempProject, fixture, httpService, type TempProject } from '../helpers/project.js';
import { waitFor } from '../helpers/wait.js';

let project: TempProject | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  await project?.cleanup();
  project = undefined;
});

async function connect(dir: string, args: readonly string[] = []): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', ...args],
    cwd: dir,
    env: { ...(process.env as Record<string, string>), NO_COLOR: '1' },
    stderr: 'pipe',
  });
  const connected = new Client({ name: 'devstack-test', version: '1.0.0' });
  await connected.connect(transport);
  client = connected;
  return connected;
}

interface ToolAnswer<T> {
  readonly text: string;
  readonly data: T;
  readonly isError: boolean;
}

async function call<T = Record<string, unknown>>(mcp: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolAnswer<T>> {
  const result = (await mcp.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as CallToolResult;
  const text = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
  return { text, data: result.structuredContent as T, isError: result.isError === true };
}

interface Status {
  running: boolean;
  services: { name: string; state: string; pid?: number; url?: string }[];
}

async function stackConfig(): Promise<string> {
  return `export default {
    services: {
      ${await httpService('api', ", env: { API_TOKEN: 'tok-9f8e7d6c5b4a' }")}
      ${await httpService('web', ", dependsOn: ['api']")}
      worker: { command: '${fixture('crash.js')}', env: { LINES: '3', EXIT_CODE: '2' }, health: { log: 'worker ready' }, profiles: ['broken'] },
    },
  };`;
}

describe('devstack mcp', () => {
  it('lets an agent bring the stack up, read status, search logs, see the timeline and env, restart a service and hear of it', async () => {
    project = createTempProject(await stackConfig());
    const mcp = await connect(project.dir, ['--allow-control']);

    const tools = (await mcp.listTools()).tools.map((tool) => tool.name).sort();
    expect(tools).toEqual(['down', 'env', 'logs', 'restart', 'start', 'status', 'stop', 'timeline', 'up', 'wait_until_ready']);

    const before = await call<Status>(mcp, 'status');
    expect(before.data.running).toBe(false);
    expect(before.text).toContain('not running');

    const up = await call<{ code: number }>(mcp, 'up');
    expect(up.isError, up.text).toBe(false);
    expect(up.data.code, up.text).toBe(0);

    const status = await call<Status>(mcp, 'status');
    expect(status.data.running).toBe(true);
    const api = status.data.services.find((service) => service.name === 'api')!;
    expect(api.state).toBe('ready');
    expect(api.pid).toBeGreaterThan(0);
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    // A line the service printed itself, found by search.
    const logs = await call<{ entries: { service: string; stream: string; text: string }[]; matched: number; truncated: boolean }>(
      mcp,
      'logs',
      {
        services: ['api'],
        search: 'LISTENING ON',
      },
    );
    expect(logs.data.matched).toBe(1);
    expect(logs.data.entries[0]).toMatchObject({ service: 'api', stream: 'out' });
    expect(logs.data.entries[0]!.text).toMatch(/^listening on \d+/);
    const bounded = await call<{ entries: unknown[]; truncated: boolean }>(mcp, 'logs', { search: '.', regex: true, lines: 1 });
    expect(bounded.data.entries).toHaveLength(1);
    expect(bounded.data.truncated).toBe(true);
    expect(bounded.text).toContain('truncated');

    const timeline = await call<{ services: { service: string; outcome: string; startMs: number; endMs: number; waitedOn: string[] }[] }>(
      mcp,
      'timeline',
    );
    const [first, second] = timeline.data.services;
    expect(first).toMatchObject({ service: 'api', outcome: 'ready' });
    expect(second).toMatchObject({ service: 'web', outcome: 'ready', waitedOn: ['api'] });
    expect(second!.startMs).toBeGreaterThanOrEqual(first!.endMs);

    const env = await call<{ variables: { key: string; value: string }[] }>(mcp, 'env', { service: 'api' });
    expect(env.data.variables.find((variable) => variable.key === 'API_TOKEN')?.value).toBe('****');
    expect(env.text).not.toContain('tok-9f8e7d6c5b4a');

    // Live events: the subscribed resource is updated, and each event arrives as a log message.
    const messages: string[] = [];
    let updates = 0;
    mcp.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      messages.push((notification.params.data as { text: string }).text);
    });
    mcp.setNotificationHandler(ResourceUpdatedNotificationSchema, () => void updates++);
    await mcp.subscribeResource({ uri: 'devstack://events' });
    const restart = await call<{ outcome: string; before: { pid: number }; after: { pid: number } }>(mcp, 'restart', { service: 'api' });
    expect(restart.data.outcome, restart.text).toBe('ready');
    expect(restart.data.after.pid).not.toBe(restart.data.before.pid);
    await waitFor(() => messages.some((text) => /api restarted/.test(text)), 'the restart to arrive as a notification');
    expect(updates).toBeGreaterThan(0);
    const events = await mcp.readResource({ uri: 'devstack://events' });
    expect(
      JSON.parse((events.contents[0] as { text: string }).text).some((entry: { text: string }) => /api restarted/.test(entry.text)),
    ).toBe(true);

    const ready = await call<{ ready: boolean }>(mcp, 'wait_until_ready', { timeoutSeconds: 10 });
    expect(ready.data?.ready, ready.text).toBe(true);

    const down = await call<{ code: number }>(mcp, 'down');
    expect(down.data.code, down.text).toBe(0);
    expect((await call<Status>(mcp, 'status')).data.running).toBe(false);
  });

  it('is read-only without --allow-control: control tools refuse clearly, reading still works', async () => {
    project = createTempProject(await stackConfig());
    expect((await project.run(['up', '-d'])).code).toBe(0);
    const mcp = await connect(project.dir);
    const pid = (await project.ps()).find((row) => row.name === 'api')!.pid;
    for (const [tool, args] of [
      ['restart', { service: 'api' }],
      ['down', {}],
      ['up', {}],
      ['stop', { services: ['api'] }],
    ] as const) {
      const refused = await call(mcp, tool, args);
      expect(refused.isError, tool).toBe(true);
      expect(refused.text).toContain('--allow-control');
    }
    expect((await project.ps()).find((row) => row.name === 'api')!.pid).toBe(pid);
    expect((await call<Status>(mcp, 'status')).data.running).toBe(true);
    const unknown = await call(mcp, 'logs', { services: ['apu'] });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toMatch(/unknown service "apu"[\s\S]*hint: services in services\.config\.ts: api, web, worker/);
  });

  it("shows an agent why a service failed: up's answer, the failing service's log, the last run's timeline", async () => {
    project = createTempProject(await stackConfig());
    const mcp = await connect(project.dir, ['--allow-control']);
    project.write('services.config.ts', project.read('services.config.ts').replace("profiles: ['broken']", "dependsOn: ['api']"));
    const up = await call<{ code: number }>(mcp, 'up');
    expect(up.data.code).toBe(1);
    expect(up.text).toMatch(/worker/);
    const logs = await call<{ entries: { text: string; stream: string }[] }>(mcp, 'logs', { services: ['worker'], stream: 'err' });
    expect(logs.data.entries.map((entry) => entry.text)).toContain('fatal: something went wrong');
    const timeline = await call<{ running: boolean; services: { service: string; outcome: string; message?: string }[] }>(mcp, 'timeline');
    expect(timeline.data.running).toBe(false);
    expect(timeline.data.services.find((entry) => entry.service === 'worker')).toMatchObject({ outcome: 'failed' });
  });
});
