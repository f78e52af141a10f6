/**
 * What the control API can do with one running stack: the supervisor, seen through ControlTarget —
 * and what the dashboard adds (the run's names, one service's snapshot, start all).
 */
import type { DashboardTarget } from '../dashboard/dashboard-server.js';
import { PROTOCOL_VERSION, type StatusResponse } from '../control/protocol.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import type { ServiceSnapshot } from '../supervisor/events.js';
import { logEntries } from '../logs/log-entries.js';
import { trace } from '../util/trace.js';

export interface RunInfo {
  readonly runId: string;
  readonly startedAt: string;
  readonly configFile: string;
  readonly startupDone: () => boolean;
  readonly closing: Promise<void>;
  readonly dashboardUrl?: () => string | undefined;
  /** The proxy, when the stack has one (its URL is also the status's `proxyUrl`). */
  readonly proxy?: () => StatusResponse['proxy'];
  /** Logs besides the services' that the logs route serves (the proxy's access log). */
  readonly alsoLogs?: readonly string[];
  /** The snapshots with their latest CPU/memory sample. */
  readonly withUsage?: (snapshots: readonly ServiceSnapshot[]) => ServiceSnapshot[];
}

export function controlTargetOf(supervisor: Supervisor, info: RunInfo): DashboardTarget {
  const withUsage = info.withUsage ?? ((snapshots: readonly ServiceSnapshot[]) => [...snapshots]);
  return {
    get selected() {
      return supervisor.selected; // set once the supervisor's start() is called
    },
    snapshotOf: (name) => {
      const snapshot = supervisor.snapshotOf(name);
      return snapshot === undefined ? undefined : withUsage([snapshot])[0];
    },
    startAll: () => supervisor.startWithDependencies(supervisor.selected),
    status: () => ({
      protocol: PROTOCOL_VERSION,
      pid: process.pid,
      runId: info.runId,
      startedAt: info.startedAt,
      configFile: info.configFile,
      startupDone: info.startupDone(),
      services: withUsage(supervisor.snapshot()),
      dashboardUrl: info.dashboardUrl?.(),
      proxyUrl: info.proxy?.()?.url,
      proxy: info.proxy?.(),
    }),
    async start(service) {
      if (!supervisor.selected.includes(service)) return { type: 'aborted', reason: `service "${service}" is not part of this run` };
      return supervisor.startService(service);
    },
    stop: (services) => supervisor.stop(services.filter((service) => supervisor.selected.includes(service))),
    restart: (service) => supervisor.restart(service),
    shutdown: () => {
      trace('shutdown-received');
      return supervisor.stopAll();
    },
    eventsSince: (seq) => supervisor.events.since(seq),
    subscribe: (listener) =>
      supervisor.events.subscribe((event) => {
        if (event.type !== 'output') listener(event);
      }),
    logs: (request, signal) =>
      logEntries({
        logsDir: supervisor.config.logsDir,
        services: request.services?.filter((service) => supervisor.selected.includes(service) || info.alsoLogs?.includes(service)) ?? [
          ...supervisor.selected,
          ...(info.alsoLogs ?? []),
        ],
        lines: request.lines ?? Infinity,
        since: request.since,
        follow: request.follow,
        signal,
      }),
    closing: info.closing,
  };
}
