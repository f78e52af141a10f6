/**
 * What the MCP server's control tools do, and waiting for readiness: `up` and `down` run the
 * devstack CLI itself (a child process: up's background start, its signal handling and its exit
 * paths stay exactly the CLI's, and a long-lived MCP server never hosts a supervisor); restart,
 * stop and start go through the control API of the running stack.
 */
import { controlErrorOf, type ControlError } from '../control/client.js';
import type { DevstackError } from '../errors.js';
import type { ServiceSnapshot } from '../supervisor/events.js';
import { formatMs } from '../util/duration.js';
import { unreachable } from '../util/unreachable.js';
import type { StackAccess } from './stack-access.js';
import { logsView, runningStatus, serviceOf, statusView, type StackStatus, type View } from './stack-views.js';

/** A control request that could not be made, as every devstack command says it; "up" is a tool here. */
function controlFailure(access: StackAccess, error: ControlError): DevstackError {
  return controlErrorOf(error, access.configFile, 'call the up tool first');
}

const NOT_RUNNING: ControlError = { type: 'not-running' };

export async function upView(
  access: StackAccess,
  services: readonly string[],
): Promise<View<{ readonly code: number; readonly output: string; readonly status: StackStatus }>> {
  const config = await access.config();
  for (const name of services) serviceOf(config, name);
  const outcome = await access.runCli(['up', '-d', ...services]);
  const status = await statusView(access);
  const verdict = outcome.code === 0 ? 'The stack is up.' : `devstack up failed (exit code ${outcome.code}).`;
  return {
    data: { code: outcome.code, output: outcome.output, status: status.data },
    text: [verdict, outcome.output.trim(), '', status.text].join('\n'),
  };
}

export async function downView(access: StackAccess): Promise<View<{ readonly code: number; readonly output: string }>> {
  const outcome = await access.runCli(['down']);
  const verdict = outcome.code === 0 ? 'The stack is down.' : `devstack down failed (exit code ${outcome.code}).`;
  return { data: outcome, text: [verdict, outcome.output.trim()].join('\n') };
}

type ServiceSummary = Pick<ServiceSnapshot, 'name' | 'state' | 'pid' | 'url' | 'message'>;

async function snapshotOf(access: StackAccess, name: string): Promise<ServiceSummary | undefined> {
  const status = await runningStatus(access);
  const service = status?.services.find((candidate) => candidate.name === name);
  return service === undefined ? undefined : { name, state: service.state, pid: service.pid, url: service.url, message: service.message };
}

export async function restartView(
  access: StackAccess,
  name: string,
): Promise<
  View<{
    readonly outcome: string;
    readonly before?: ServiceSummary | undefined;
    readonly after?: ServiceSummary | undefined;
    readonly message?: string | undefined;
  }>
> {
  serviceOf(await access.config(), name);
  const before = await snapshotOf(access, name);
  if (before === undefined && (await runningStatus(access)) === undefined) throw controlFailure(access, NOT_RUNNING);
  const result = await access.client.restart(name);
  if (!result.ok) throw controlFailure(access, result.error);
  const after = await snapshotOf(access, name);
  const outcome = result.value;
  switch (outcome.type) {
    case 'ready':
      return {
        data: { outcome: 'ready', before, after },
        text: `${name} restarted and is ready in ${formatMs(outcome.readyInMs)} (pid ${before?.pid ?? '-'} → ${after?.pid ?? '-'}).`,
      };
    case 'failed': {
      const tail = await logsView(access, { services: [name], lines: 30 });
      return {
        data: { outcome: 'failed', before, after, message: outcome.failure.message },
        text: `${name} was restarted but failed: ${outcome.failure.message}\nIts last log lines:\n${tail.text}`,
      };
    }
    case 'refused':
      return {
        data: { outcome: 'refused', before, after, message: outcome.reason },
        text: `Not restarted: ${outcome.reason}${outcome.hint === undefined ? '' : ` (${outcome.hint})`}`,
      };
    case 'aborted':
      return {
        data: { outcome: 'aborted', before, after, message: outcome.reason },
        text: `The restart was interrupted: ${outcome.reason}`,
      };
    default:
      return unreachable(outcome);
  }
}

export async function stopView(access: StackAccess, names: readonly string[]): Promise<View<{ readonly stopped: readonly string[] }>> {
  const config = await access.config();
  for (const name of names) serviceOf(config, name);
  const result = await access.client.stop(names);
  if (!result.ok) throw controlFailure(access, result.error);
  return { data: result.value, text: `Stopped: ${result.value.stopped.join(', ') || 'nothing (already stopped)'}.` };
}

export async function startView(
  access: StackAccess,
  name: string,
): Promise<View<{ readonly outcome: string; readonly message?: string | undefined }>> {
  serviceOf(await access.config(), name);
  const result = await access.client.start(name);
  if (!result.ok) throw controlFailure(access, result.error);
  const outcome = result.value;
  switch (outcome.type) {
    case 'ready':
      return { data: { outcome: 'ready' }, text: `Started and ready: ${outcome.services.join(', ')}.` };
    case 'failed':
      return {
        data: { outcome: 'failed', message: outcome.failure.message },
        text: `${outcome.failure.service} failed to start: ${outcome.failure.message}\n${outcome.failure.logTail.join('\n')}`,
      };
    case 'aborted':
      return { data: { outcome: 'aborted', message: outcome.reason }, text: `The start was interrupted: ${outcome.reason}` };
    default:
      return unreachable(outcome);
  }
}

/** Settled: nothing more will happen without someone acting (ready, done, failed, stopped, or never requested). */
function settled(service: ServiceSnapshot): boolean {
  switch (service.state) {
    case 'ready':
    case 'exited':
    case 'failed':
    case 'stopped':
      return true;
    case 'pending':
      return service.waitingOn.length === 0;
    case 'starting':
    case 'stopping':
    case 'backoff':
      return false;
    default:
      return unreachable(service.state);
  }
}

/**
 * Waits until the named services (all, when none named) have settled, following the event stream
 * rather than polling; answers with their status, and for a failed one why and its log tail.
 */
export async function waitReadyView(
  access: StackAccess,
  names: readonly string[],
  timeoutMs: number,
): Promise<View<{ readonly ready: boolean; readonly timedOut: boolean; readonly status: StackStatus }>> {
  const config = await access.config();
  for (const name of names) serviceOf(config, name);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), timeoutMs);
  const targets = (services: readonly ServiceSnapshot[]): ServiceSnapshot[] =>
    names.length === 0 ? [...services] : services.filter((s) => names.includes(s.name));
  let timedOut = false;
  try {
    // Live events from the newest kept one on; the check after subscribing covers what came between.
    const history = await access.client.events({ since: 0, follow: false });
    if (!history.ok) throw controlFailure(access, history.error);
    let newest = 0;
    for await (const event of history.value) newest = event.seq;
    const events = await access.client.events({ since: newest, follow: true, signal: stop.signal });
    if (!events.ok) throw controlFailure(access, events.error);
    const check = async (): Promise<boolean> => {
      const status = await runningStatus(access);
      return status === undefined || targets(status.services).every(settled);
    };
    if (!(await check())) {
      for await (const event of events.value) {
        if (event.type === 'output') continue;
        if (await check()) break;
      }
      timedOut = stop.signal.aborted;
    }
  } finally {
    clearTimeout(timer);
    stop.abort();
  }
  const status = await statusView(access);
  if (!status.data.running)
    return { data: { ready: false, timedOut, status: status.data }, text: `The stack stopped while waiting.\n${status.text}` };
  const services = targets((await runningStatus(access))?.services ?? []);
  const failed = services.filter((service) => service.state === 'failed');
  const ready = services.every(
    (service) => service.state === 'ready' || service.state === 'exited' || (service.state === 'pending' && service.waitingOn.length === 0),
  );
  const parts = [
    timedOut ? `Still not settled after ${formatMs(timeoutMs)}.` : ready ? 'Ready.' : 'Settled, but not everything is ready.',
    status.text,
  ];
  for (const service of failed)
    parts.push(
      '',
      `${service.name} failed: ${service.message ?? ''}`,
      (await logsView(access, { services: [service.name], lines: 20 })).text,
    );
  return { data: { ready, timedOut, status: status.data }, text: parts.join('\n') };
}
