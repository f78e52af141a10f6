/** Pure: what `ps` and the control API show of one service. */
import type { ResolvedService } from '../config/resolved.js';
import { mainPort, urlOf, type ServicePorts } from '../config/templates.js';
import { formatMs } from '../util/duration.js';
import { maskUrl } from '../util/secrets.js';
import type { ServiceSnapshot } from './events.js';
import type { ServiceState } from './service-state.js';

export interface SnapshotInput {
  readonly service: ResolvedService;
  readonly state: ServiceState;
  readonly ports: ServicePorts | undefined;
  readonly restarts: number;
  /** How a database runs; undefined for services. */
  readonly mode: string | undefined;
  readonly now: number;
}

export function snapshotOf({ service, state, ports, restarts, mode, now }: SnapshotInput): ServiceSnapshot {
  const port = mainPort(ports);
  const running = state.type === 'starting' || state.type === 'ready' ? state : undefined;
  const message =
    state.type === 'failed'
      ? state.message
      : state.type === 'backoff'
        ? `${state.message}; restart ${state.attempt} in ${formatMs(Math.max(0, state.until - now))}`
        : undefined;
  return {
    name: service.name,
    kind: service.database !== undefined ? 'database' : service.type,
    state: state.type,
    pid: running?.pid,
    port,
    ports: Object.fromEntries(ports ?? []),
    url: mapUrl(ports === undefined ? undefined : urlOf(service, ports)),
    startedAt: running?.startedAt,
    readyAt: state.type === 'ready' ? state.readyAt : undefined,
    restarts,
    message,
    waitingOn: state.type === 'pending' ? state.waitingOn : [],
    mode,
  };
}

function mapUrl(url: string | undefined): string | undefined {
  return url === undefined ? undefined : maskUrl(url);
}
