/**
 * Ports for one run: fixed ports are checked before anything starts (and the process holding a
 * taken one is named), `'auto'` ports are taken from the free ones with get-port and kept for the
 * whole run, so restarts keep their address.
 */
import { createServer } from 'node:net';
import type { ResolvedService } from '../config/resolved.js';
import { LOCAL_HOST, type PortPlan } from '../config/templates.js';
import { findPortHolder, type PortHolder } from '../process/port-holder.js';
import { err, ok, type Result } from '../util/result.js';

export interface PortTaken {
  readonly service: string;
  /** The port's name, when the service has several. */
  readonly portName: string | undefined;
  readonly port: number;
  readonly holder: PortHolder | undefined;
}

export type PortPlanResult = Result<PortPlan, PortTaken>;

export function isPortFree(port: number, host: string = LOCAL_HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** Every named port of every service: fixed ones checked free (the holder named when not), `auto` ones picked. */
export async function planPorts(services: readonly ResolvedService[]): Promise<PortPlanResult> {
  const plan = new Map<string, Map<string, number>>();
  const fixed = services.flatMap((service) => service.ports.flatMap((entry) => (typeof entry.port === 'number' ? [entry.port] : [])));
  const taken: number[] = [...fixed];
  for (const service of services) {
    const ports = new Map<string, number>();
    plan.set(service.name, ports);
    for (const entry of service.ports) {
      if (entry.port === 'auto') {
        // Placeholder, filled below, so the map keeps the declared order (the main port first).
        ports.set(entry.name, 0);
        continue;
      }
      if (!(await isPortFree(entry.port))) {
        return err({
          service: service.name,
          portName: service.ports.length > 1 ? entry.name : undefined,
          port: entry.port,
          holder: findPortHolder(entry.port),
        });
      }
      ports.set(entry.name, entry.port);
    }
  }
  for (const service of services) {
    for (const entry of service.ports) {
      if (entry.port !== 'auto') continue;
      // Loaded only for a stack with an 'auto' port.
      const { default: getPort } = await import('get-port');
      const port = await getPort({ host: LOCAL_HOST, exclude: taken });
      taken.push(port);
      plan.get(service.name)!.set(entry.name, port);
    }
  }
  return ok(plan);
}
