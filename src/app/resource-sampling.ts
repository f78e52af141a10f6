/**
 * CPU and memory of each running service, sampled from /proc every few seconds while the stack
 * runs (one pass over /proc for all services: see bench "resource sampling" for its cost at 100
 * services). `ps`, `ps --json`, the dashboard and the MCP status read the latest sample.
 */
import { ResourceSampler, type TreeUsage } from '../process/resource-usage.js';
import type { ServiceSnapshot } from '../supervisor/events.js';

export const SAMPLE_INTERVAL_MS = 2000;

export interface ResourceSampling {
  /** The snapshots with the latest sample of each running service. */
  withUsage(snapshots: readonly ServiceSnapshot[]): ServiceSnapshot[];
  stop(): void;
}

export function startResourceSampling(
  snapshot: () => readonly ServiceSnapshot[],
  intervalMs: number = SAMPLE_INTERVAL_MS,
): ResourceSampling {
  const sampler = new ResourceSampler();
  // By name and pid: a sample of a previous process of the service is not shown for the new one.
  let latest = new Map<string, TreeUsage & { pid: number }>();
  const take = (): void => {
    const roots = new Map<string, number>();
    for (const service of snapshot()) if (service.pid !== undefined) roots.set(service.name, service.pid);
    const sample = sampler.sample(roots);
    latest = new Map([...sample].map(([name, usage]) => [name, { ...usage, pid: roots.get(name)! }]));
  };
  const timer = setInterval(take, intervalMs);
  timer.unref();
  return {
    withUsage: (snapshots) =>
      snapshots.map((service) => {
        const usage = latest.get(service.name);
        if (usage === undefined || usage.pid !== service.pid) return service;
        return { ...service, cpuPercent: usage.cpuPercent, memoryBytes: usage.memoryBytes };
      }),
    stop: () => clearInterval(timer),
  };
}
