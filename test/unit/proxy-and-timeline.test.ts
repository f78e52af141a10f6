// Pure parts of the proxy (routing, availability) and of the startup timeline.
import { resolvedProxy } from '../helpers/config.js';
import { describe, expect, it } from 'vitest';
import { availabilityOf } from '../../src/proxy/availability.js';
import { hostNameOf, routeOf } from '../../src/proxy/routing.js';
import type { ServiceSnapshot, StampedEvent } from '../../src/supervisor/events.js';
import { startupTimeline } from '../../src/supervisor/timeline.js';

const proxy = resolvedProxy();

describe('proxy routing', () => {
  it('takes the host name first, then the longest prefix at a segment boundary, stripping when asked', () => {
    expect(routeOf(proxy, 'API.localhost:8080', '/x')).toEqual({ service: 'api', path: '/x' });
    expect(routeOf(proxy, 'shop.localhost.', '/')).toEqual({ service: 'web', path: '/' });
    expect(routeOf(proxy, '127.0.0.1:8080', '/api/users?id=1')).toEqual({ service: 'api', path: '/users?id=1' });
    expect(routeOf(proxy, '127.0.0.1:8080', '/api?q=1')).toEqual({ service: 'api', path: '/?q=1' });
    expect(routeOf(proxy, '127.0.0.1:8080', '/api')).toEqual({ service: 'api', path: '/' });
    expect(routeOf(proxy, '127.0.0.1:8080', '/api/admin/x')).toEqual({ service: 'admin', path: '/api/admin/x' });
    expect(routeOf(proxy, '127.0.0.1:8080', '/apix')).toEqual({ service: 'web', path: '/apix' });
    expect(routeOf({ ...proxy, routes: [] }, undefined, '/')).toBeUndefined();
    expect(hostNameOf('[::1]:8080')).toBe('[::1]');
  });
});

const snapshot = (state: ServiceSnapshot['state'], extra: Partial<ServiceSnapshot> = {}): ServiceSnapshot => ({
  name: 'api',
  kind: 'service',
  state,
  pid: undefined,
  port: 3000,
  ports: { http: 3000 },
  url: undefined,
  startedAt: undefined,
  readyAt: undefined,
  restarts: 0,
  message: undefined,
  waitingOn: [],
  ...extra,
});

describe('proxy availability', () => {
  it('holds for what will be ready, answers at once for what will not', () => {
    expect(availabilityOf(snapshot('ready'), false)).toEqual({ type: 'ready', port: 3000 });
    expect(availabilityOf(snapshot('starting'), false).type).toBe('coming');
    expect(availabilityOf(snapshot('backoff', { message: 'crashed' }), false)).toEqual({ type: 'coming', why: 'crashed' });
    expect(availabilityOf(snapshot('pending', { waitingOn: ['db'] }), false)).toEqual({ type: 'coming', why: 'it waits for db' });
    // Nothing to wait for: about to start while the stack starts or the service restarts, else never started.
    expect(availabilityOf(snapshot('pending'), true).type).toBe('coming');
    expect(availabilityOf(snapshot('pending'), false).type).toBe('down');
    expect(availabilityOf(snapshot('failed', { message: 'exited with code 1' }), false)).toEqual({
      type: 'down',
      why: 'exited with code 1',
    });
    expect(availabilityOf(undefined, false).type).toBe('down');
  });
});

describe('startup timeline', () => {
  it("gives each service's start and end after the run began, what it waited for, and ignores what came after startup", () => {
    let seq = 0;
    const at = (time: number, event: Record<string, unknown>): StampedEvent => ({ ...event, seq: ++seq, time }) as unknown as StampedEvent;
    const state = (time: number, service: string, type: string, extra: Record<string, unknown> = {}): StampedEvent =>
      at(time, { type: 'state', service, state: { type, ...extra }, previous: 'pending' });
    const events = [
      at(900, { type: 'run-started', runId: 'old', services: ['x'], pid: 1 }),
      at(1000, { type: 'run-started', runId: 'r', services: ['db', 'api', 'web'], pid: 1 }),
      state(1000, 'api', 'pending', { waitingOn: ['db'] }),
      state(1001, 'db', 'starting', { startedAt: 1001 }),
      state(1300, 'db', 'ready', { pid: 2, startedAt: 1001, readyAt: 1300 }),
      state(1301, 'api', 'starting', { startedAt: 1301 }),
      state(1500, 'api', 'failed', { reason: 'crashed', message: 'exited with code 1', at: 1500 }),
      at(1501, { type: 'startup-finished', outcome: { type: 'failed' }, elapsedMs: 501 }),
      state(2000, 'web', 'starting', { startedAt: 2000 }),
    ];
    expect(startupTimeline(events)).toEqual({
      startedAt: 1000,
      totalMs: 501,
      services: [
        { service: 'db', waitedOn: [], startMs: 1, endMs: 300, outcome: 'ready', message: undefined },
        { service: 'api', waitedOn: ['db'], startMs: 301, endMs: 500, outcome: 'failed', message: 'exited with code 1' },
        { service: 'web', waitedOn: [], startMs: undefined, endMs: undefined, outcome: 'not started', message: undefined },
      ],
    });
    expect(startupTimeline([])).toBeUndefined();
  });
});
