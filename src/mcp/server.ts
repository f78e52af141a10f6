/**
 * devstack's Model Context Protocol server: the stack as tools a coding agent can call (status,
 * logs with search, the startup timeline, a service's environment, waiting for readiness, and —
 * only when allowed — up, down, restart, stop and start), and its live events as a resource with
 * update notifications plus log messages. Built on the official SDK; it speaks over the transport
 * it is given (stdio for `devstack mcp`), nothing else.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { isDevstackError } from '../errors.js';
import { EventFeed } from './event-feed.js';
import type { StackAccess } from './stack-access.js';
import { downView, restartView, startView, stopView, upView, waitReadyView } from './stack-control.js';
import { envView, logsView, MAX_LOG_LINES, statusView, timelineView, type View } from './stack-views.js';

export interface McpOptions {
  readonly access: StackAccess;
  /** Whether up, down, restart, stop and start may run (`devstack mcp --allow-control`). */
  readonly allowControl: boolean;
  readonly version: string;
}

export const EVENTS_URI = 'devstack://events';

/** A view as a tool result: the JSON as structured content, the text for the agent to read. */
function resultOf(view: View<object>): CallToolResult {
  return { content: [{ type: 'text', text: view.text }], structuredContent: view.data as Record<string, unknown> };
}

/** A DevstackError is the tool's answer (with its hint), not a protocol failure; anything else is a bug and says so. */
async function answer(run: () => Promise<View<object>>): Promise<CallToolResult> {
  try {
    return resultOf(await run());
  } catch (error) {
    const text = isDevstackError(error)
      ? `error: ${error.message}${error.details.hint === undefined ? '' : `\nhint: ${error.details.hint}`}${error.details.body === undefined ? '' : `\n${error.details.body.join('\n')}`}`
      : `internal error in devstack mcp: ${error instanceof Error ? error.message : String(error)}`;
    return { content: [{ type: 'text', text }], isError: true };
  }
}

const services = z.array(z.string()).optional().describe('Service names; all of them when left out.');
const service = z.string().describe('A service name from the config.');

export function createMcpServer({ access, allowControl, version }: McpOptions): {
  server: McpServer;
  connect(transport: Transport): Promise<void>;
  close(): Promise<void>;
} {
  const server = new McpServer(
    { name: 'devstack', version },
    {
      capabilities: { logging: {}, resources: { subscribe: true } },
      instructions:
        "devstack runs this repository's services natively in dependency order. Call status first; logs (with search) to find why a service failed; " +
        (allowControl
          ? 'up to start the stack, restart after an edit, wait_until_ready to wait for it.'
          : 'control tools are disabled: the user did not start devstack mcp with --allow-control.'),
    },
  );

  server.registerTool(
    'status',
    {
      title: 'Stack status',
      description: 'Every service of the stack: state, pid, port(s) and URL, uptime, restarts, what it waits on, and why it failed.',
      inputSchema: {},
      annotations: { readOnlyHint: true },
    },
    () => answer(() => statusView(access)),
  );

  server.registerTool(
    'logs',
    {
      title: 'Service logs',
      description:
        'The newest log lines of one or more services (merged in time order), optionally searched by text or regex, since a time, one stream only.',
      inputSchema: {
        services,
        lines: z
          .number()
          .int()
          .min(1)
          .max(MAX_LOG_LINES)
          .optional()
          .describe(`How many of the newest matching lines (default 100, at most ${MAX_LOG_LINES}).`),
        since: z.string().optional().describe('Only lines since then: an ISO time, or a duration back from now such as "10m" or "90s".'),
        search: z.string().optional().describe('Only lines containing this text (case-insensitive unless ignoreCase is false).'),
        regex: z.boolean().optional().describe('Treat search as a JavaScript regular expression.'),
        ignoreCase: z.boolean().optional(),
        stream: z
          .enum(['out', 'err', 'sys'])
          .optional()
          .describe("out/err: the service's own stdout/stderr; sys: devstack's lines about it."),
      },
      annotations: { readOnlyHint: true },
    },
    (input) => answer(() => logsView(access, { ...input, lines: input.lines ?? 100 })),
  );

  server.registerTool(
    'timeline',
    {
      title: 'Startup timeline',
      description: 'When each service started and became ready (ms after the run began), what it waited for, and how long startup took.',
      inputSchema: {},
      annotations: { readOnlyHint: true },
    },
    () => answer(() => timelineView(access)),
  );

  server.registerTool(
    'env',
    {
      title: 'Service environment',
      description: 'The environment variables a service gets and where each comes from (.env files, the config, devstack), secrets masked.',
      inputSchema: { service },
      annotations: { readOnlyHint: true },
    },
    ({ service: name }) => answer(() => envView(access, name)),
  );

  server.registerTool(
    'wait_until_ready',
    {
      title: 'Wait until ready',
      description:
        'Waits (up to timeoutSeconds) until the services are ready or have failed, then returns their status and any failure with its log tail.',
      inputSchema: {
        services,
        timeoutSeconds: z.number().min(1).max(600).optional().describe('Default 60.'),
      },
      annotations: { readOnlyHint: true },
    },
    ({ services: names, timeoutSeconds }) => answer(() => waitReadyView(access, names ?? [], (timeoutSeconds ?? 60) * 1000)),
  );

  const control = (run: () => Promise<View<object>>): Promise<CallToolResult> =>
    allowControl
      ? answer(run)
      : Promise.resolve({
          content: [
            {
              type: 'text' as const,
              text: 'error: refused: devstack mcp was started without --allow-control, so it only reads the stack\nhint: ask the user to run the stack themselves, or to register "devstack mcp --allow-control"',
            },
          ],
          isError: true,
        });
  const controlNote = allowControl ? '' : ' (Disabled: devstack mcp runs without --allow-control.)';

  server.registerTool(
    'up',
    {
      title: 'Start the stack',
      description: `Starts the stack (or the named services and what they need) in the background and waits until it is ready; returns devstack's output and the status.${controlNote}`,
      inputSchema: { services },
      annotations: { readOnlyHint: false, destructiveHint: false },
    },
    ({ services: names }) => control(() => upView(access, names ?? [])),
  );
  server.registerTool(
    'down',
    {
      title: 'Stop the stack',
      description: `Stops every service of the stack in reverse dependency order, leaving no process behind.${controlNote}`,
      inputSchema: {},
      annotations: { readOnlyHint: false, destructiveHint: true },
    },
    () => control(() => downView(access)),
  );
  server.registerTool(
    'restart',
    {
      title: 'Restart a service',
      description: `Restarts one service (after an edit) and waits until it is ready again; returns its old and new pid, or why it failed.${controlNote}`,
      inputSchema: { service },
      annotations: { readOnlyHint: false, destructiveHint: false },
    },
    ({ service: name }) => control(() => restartView(access, name)),
  );
  server.registerTool(
    'stop',
    {
      title: 'Stop services',
      description: `Stops the named services and the ones that depend on them; the rest keeps running.${controlNote}`,
      inputSchema: { services: z.array(z.string()).min(1).describe('Service names.') },
      annotations: { readOnlyHint: false, destructiveHint: true },
    },
    ({ services: names }) => control(() => stopView(access, names)),
  );
  server.registerTool(
    'start',
    {
      title: 'Start a service',
      description: `Starts a stopped service of the running stack (and what it needs) and waits until it is ready.${controlNote}`,
      inputSchema: { service },
      annotations: { readOnlyHint: false, destructiveHint: false },
    },
    ({ service: name }) => control(() => startView(access, name)),
  );

  const feed = new EventFeed(access.client);
  server.registerResource(
    'events',
    EVENTS_URI,
    {
      title: 'Stack events',
      description:
        'The newest supervisor events (state changes, restarts and their cause, warnings), newest last. Subscribe to hear of each new one.',
      mimeType: 'application/json',
    },
    () => ({ contents: [{ uri: EVENTS_URI, mimeType: 'application/json', text: JSON.stringify(feed.entries) }] }),
  );
  let subscribed = false;
  server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
    if (request.params.uri === EVENTS_URI) subscribed = true;
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    if (request.params.uri === EVENTS_URI) subscribed = false;
    return {};
  });
  feed.onEntry((entry) => {
    if (!server.isConnected()) return;
    void server.sendLoggingMessage({ level: entry.level, logger: 'devstack', data: entry }).catch(() => undefined);
    if (subscribed) void server.server.sendResourceUpdated({ uri: EVENTS_URI }).catch(() => undefined);
  });

  return {
    server,
    async connect(transport) {
      await server.connect(transport);
      feed.start();
    },
    async close() {
      feed.close();
      await server.close();
    },
  };
}
