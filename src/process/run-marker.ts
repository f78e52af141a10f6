/**
 * Every process a service starts carries these variables, inherited through fork, exec, setsid
 * and double-forks. `devstack down` finds what left the process group (setsid workers, daemons
 * such as epmd) by scanning for them; the project marker finds a stack's processes even when its
 * PID files are gone or its logs folder was moved while it ran.
 */
export const RUN_ID_VAR = 'DEVSTACK_RUN_ID';
export const SERVICE_VAR = 'DEVSTACK_SERVICE';
export const PROJECT_VAR = 'DEVSTACK_PROJECT';

export interface RunMarker {
  readonly runId: string;
  readonly service: string;
  /** The stack's identity (a hash of its config file's path). */
  readonly project: string;
}

export function markerEnv(marker: RunMarker): Record<string, string> {
  return { [RUN_ID_VAR]: marker.runId, [SERVICE_VAR]: marker.service, [PROJECT_VAR]: marker.project };
}

/** What identifies one service's processes of one run. */
export function markerEntries(marker: Pick<RunMarker, 'runId' | 'service'>): string[] {
  return [`${RUN_ID_VAR}=${marker.runId}`, `${SERVICE_VAR}=${marker.service}`];
}

export function projectEntry(project: string): string {
  return `${PROJECT_VAR}=${project}`;
}
