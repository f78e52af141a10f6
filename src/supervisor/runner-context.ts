/** What every service runner of one supervisor run shares. */
import type { ResolvedService } from '../config/resolved.js';
import type { PortPlan } from '../config/templates.js';
import type { ProcessSnapshot } from '../process/proc-table.js';
import type { Clock } from '../util/clock.js';
import type { SupervisorEvent } from './events.js';

export interface RunnerContext {
  readonly logsDir: string;
  readonly runId: string;
  /** The stack's identity, carried by every process as DEVSTACK_PROJECT. */
  readonly project: string;
  /** devstack's own environment, the lowest layer of every service's. */
  readonly processEnv: Readonly<Record<string, string>>;
  readonly root: string;
  /** Selects .env.<mode> files. */
  readonly mode: string;
  readonly services: readonly ResolvedService[];
  readonly ports: PortPlan;
  readonly clock: Clock;
  /** Aborted when the stack shuts down: no crash restart starts after that. */
  readonly shutdownSignal: AbortSignal;
  /** May return a promise: the service's output then waits (back-pressure from the log files). */
  readonly emit: (event: SupervisorEvent) => Promise<void> | undefined;
  /** Shared by parallel stops, so they do not each scan /proc. */
  readonly processes: ProcessSnapshot;
  /** Called after every state change of any runner (the supervisor's idle check). */
  readonly changed: () => void;
}
