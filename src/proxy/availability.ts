/**
 * Pure: whether the proxy can send a request to a service now, should hold it until the service
 * is ready (it is starting, restarting, backing off after a crash, or waiting for its
 * dependencies), or should answer at once that it is down, and why.
 */
import type { ServiceSnapshot } from '../supervisor/events.js';
import { unreachable } from '../util/unreachable.js';

export type Availability =
  | { readonly type: 'ready'; readonly port: number }
  | { readonly type: 'coming'; readonly why: string }
  | { readonly type: 'down'; readonly why: string };

/**
 * `coming`: the stack is still starting, or this service is being restarted — then a `pending`
 * service with nothing to wait for is about to be spawned, not left unstarted.
 */
export function availabilityOf(snapshot: ServiceSnapshot | undefined, coming: boolean): Availability {
  if (snapshot === undefined) return { type: 'down', why: 'it is not part of this run' };
  switch (snapshot.state) {
    case 'ready':
      return snapshot.port === undefined ? { type: 'down', why: 'it has no port' } : { type: 'ready', port: snapshot.port };
    case 'starting':
      return { type: 'coming', why: 'it is starting' };
    case 'stopping':
      return { type: 'coming', why: 'it is stopping (a restart, or the stack going down)' };
    case 'backoff':
      return { type: 'coming', why: snapshot.message ?? 'it crashed and restarts soon' };
    case 'pending':
      if (snapshot.waitingOn.length > 0) return { type: 'coming', why: `it waits for ${snapshot.waitingOn.join(', ')}` };
      return coming ? { type: 'coming', why: 'it is about to start' } : { type: 'down', why: 'it was not started' };
    case 'stopped':
      return { type: 'down', why: 'it was stopped (devstack start starts it)' };
    case 'exited':
      return { type: 'down', why: 'it exited' };
    case 'failed':
      return { type: 'down', why: snapshot.message ?? 'it failed' };
    default:
      return unreachable(snapshot.state);
  }
}
