/** Serves the control API for a running supervisor (status, stop, restart). */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { RestartRequest, StatusResponse, StopRequest } from './protocol.js';

export type ListenResult =
  { readonly ok: true; readonly server: Server } | { readonly ok: false; readonly reason: 'in-use' | 'error'; readonly message: string };

export interface ControlInfo {
  readonly runId: string;
  readonly startedAt: string;
  readonly configFile: string;
}

/** Binds the address; `in-use` means another supervisor owns this stack. */
export function listenControl(
  address: string,
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<ListenResult> {
  return new Promise((resolve) => {
    const server = createServer(handler);
    server.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ ok: false, reason: error.code === 'EADDRINUSE' ? 'in-use' : 'error', message: error.message }),
    );
    server.listen(address, () => {
      server.unref(); // the supervisor's lifetime is decided by its services, not by this socket
      resolve({ ok: true, server });
    });
  });
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text === '' ? {} : JSON.parse(text);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

export function createControlHandler(supervisor: Supervisor, info: ControlInfo) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    void (async () => {
      try {
        if (request.method === 'GET' && request.url === '/status') {
          const status: StatusResponse = { pid: process.pid, ...info, services: supervisor.snapshot() };
          return send(response, 200, status);
        }
        if (request.method === 'POST' && request.url === '/stop') {
          const { services = [] } = (await readBody(request)) as Partial<StopRequest>;
          await supervisor.stop(services);
          return send(response, 200, { ok: true });
        }
        if (request.method === 'POST' && request.url === '/restart') {
          const { service } = (await readBody(request)) as Partial<RestartRequest>;
          if (typeof service !== 'string' || !supervisor.selected.includes(service)) {
            return send(response, 404, { error: `service "${String(service)}" is not part of this run` });
          }
          return send(response, 200, await supervisor.restart(service));
        }
        send(response, 404, { error: 'unknown request' });
      } catch (error) {
        send(response, 500, { error: error instanceof Error ? error.message : String(error) });
      }
    })();
  };
}
