/**
 * Every process a service starts carries these two variables. `devstack down` finds what left the
 * process group (setsid workers, double-forked daemons such as epmd) by scanning for them.
 */
export const RUN_ID_VAR = 'DEVSTACK_RUN_ID';
export const SERVICE_VAR = 'DEVSTACK_SERVICE';

export interface RunMarker {
  readonly runId: string;
  readonly service: string;
}

export function markerEnv(marker: RunMarker): Record<string, string> {
  return { [RUN_ID_VAR]: marker.runId, [SERVICE_VAR]: marker.service };
}

export function markerEntries(marker: RunMarker): string[] {
  return [`${RUN_ID_VAR}=${marker.runId}`, `${SERVICE_VAR}=${marker.service}`];
}
