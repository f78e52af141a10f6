/** Pure: what `ps` and the control API show of one service. */
import type { ResolvedService } from '../config/resolved.js';
import { urlOf } from '../config/templates.js';
import { formatMs } from '../util/duration.js';
import { maskUrl } from '../util/secrets.js';
import type { ServiceSnapshot } from './events.js';
import type { ServiceState } from './service-state.js';

export interface SnapshotInput {
  readonly service: ResolvedService;
  readonly state: ServiceState;
  readonly port: number | undefined;
  readonly restarts: number;
  /** How a database runs; undefined for services. */
  readonly mode: string | undefined;
  readonly now: number;
}

export function snapshotOf({ service, state, port, restarts, mode, now }: SnapshotInput): ServiceSnapshot {
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
    ports: port === undefined ? {} : { main: port },
    url: port === undefined ? undefined : maskUrl(urlOf(service, port)),
    startedAt: running?.startedAt,
    readyAt: state.type === 'ready' ? state.readyAt : undefined,
    restarts,
    message,
    waitingOn: state.type === 'pending' ? state.waitingOn : [],
    mode,
  };
}
