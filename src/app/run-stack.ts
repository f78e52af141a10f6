/**
 * One supervisor run of a stack: take the stack's lock (its control socket), refuse to start over
 * what a previous run left, check everything that can be checked before anything starts, record
 * the run and start its guardian, start the services, serve control requests, and clean up when
 * everything has stopped.
 */
import { randomBytes } from 'node:crypto';
import { join, relative } from 'node:path';
import type { ResolvedConfig } from '../config/resolved.js';
import { createControlClient } from '../control/client.js';
import { listenControl } from '../control/listen.js';
import { runtimeDir, stackId, stackPaths } from '../control/runtime-dir.js';
import { createControlHandler, type ControlTarget } from '../control/server.js';
import { containerLabelOf, removeStackContainers } from '../databases/cleanup.js';
import { databaseLifecycle } from '../databases/lifecycle.js';
import { containerServiceLifecycle } from '../databases/container-service.js';
import { describePlan } from '../databases/plan.js';
import { DevstackError } from '../errors.js';
import { createEventLog } from '../logs/event-log.js';
import { createLogFiles, PROXY_LOG } from '../logs/log-files.js';
import { markerEnv } from '../process/run-marker.js';
import { availabilityOf } from '../proxy/availability.js';
import { startStackProxy, type StackProxy } from './stack-proxy.js';
import { startStackDashboard } from './stack-dashboard.js';
import type { DashboardServer, DashboardTarget } from '../dashboard/dashboard-server.js';
import { startResourceSampling } from './resource-sampling.js';
import { removeSupervisorPidFile, writeSupervisorPidFile } from '../process/pid-file.js';
import { ownStartTime } from '../process/proc-table.js';
import type { StartupOutcome, SupervisorListener } from '../supervisor/events.js';
import type { ServiceLifecycle } from '../supervisor/lifecycle.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { createDeferred } from '../util/deferred.js';
import { Redactor } from '../util/secrets.js';
import { controlTargetOf } from './control-target.js';
import { startGuardian } from './guardian.js';
import { findLeftovers, hasLeftovers, removeStalePidFiles } from './leftovers.js';
import { preflight, type PreflightInput } from './preflight.js';
import { recordedServices, removeRunRecord, writeRunRecord } from './run-record.js';
import { ensureLogsDir } from './state-dir.js';
import { trace, tracing } from '../util/trace.js';

export interface RunStackOptions extends PreflightInput {
  readonly onEvent?: SupervisorListener;
}

export interface StackRun {
  readonly supervisor: Supervisor;
  /** Settles once every requested service is ready, or startup failed (everything then stopped). */
  readonly started: Promise<StartupOutcome>;
  /** Settles when the run is over and cleaned up; 0 when it ended normally, 1 after a failure. */
  readonly finished: Promise<number>;
  /** The proxy's entry URL (and its HTTPS one), as the ready banner shows them, when the stack has a proxy. */
  readonly proxyUrl: string | undefined;
  /** The dashboard's URL with its token, when it is on. */
  readonly dashboardUrl: string | undefined;
}

export async function runStack(options: RunStackOptions): Promise<StackRun> {
  const { config } = options;
  ensureLogsDir(config.logsDir, relative(options.cwd, config.logsDir) || '.');
  const project = stackId(config.file);
  const paths = stackPaths(runtimeDir(options.processEnv['DEVSTACK_RUNTIME_DIR']), project);
  const runId = randomBytes(8).toString('hex');
  const startedAt = new Date().toISOString();
  // The socket is bound first, as the lock; until the supervisor exists, requests get a 503.
  let target: ControlTarget | undefined;
  const handle = createDeferred<ReturnType<typeof createControlHandler>>();
  const listening = await listenControl(paths.socket, (request, response) => {
    if (target === undefined) return void response.writeHead(503).end(JSON.stringify({ error: 'the supervisor is starting' }));
    void handle.promise.then((handler) => handler(request, response));
  });
  if (!listening.ok) {
    if (listening.error.type === 'in-use') throw await alreadyRunningError(paths.socket, config);
    throw new DevstackError('STATE_DIR_UNWRITABLE', `cannot open the control socket ${paths.socket}: ${listening.error.message}`);
  }
  const server = listening.value;
  trace('control-listening');
  let checked: Awaited<ReturnType<typeof preflight>>;
  // Until the supervisor exists, a request through the proxy waits as for a starting service.
  let supervisorRef: Supervisor | undefined;
  let startupDone = false;
  let entry: StackProxy | undefined;
  // The proxy starts before the supervisor exists: what it has to say waits for the event log.
  const earlyNotices: string[] = [];
  let dashboardTarget: DashboardTarget | undefined;
  let dashboard: DashboardServer | undefined;
  try {
    refuseLeftovers(config, project);
    checked = await preflight(options);
    if (checked.config.dashboard !== undefined) dashboard = await startStackDashboard(checked.config.dashboard, () => dashboardTarget);
    if (checked.config.proxy !== undefined) {
      entry = await startStackProxy(checked.config, checked.config.proxy, {
        availability: (name) =>
          supervisorRef === undefined
            ? { type: 'coming', why: 'the stack is starting' }
            : availabilityOf(supervisorRef.snapshotOf(name), !startupDone || supervisorRef.isRestarting(name)),
        ports: checked.ports,
        dir: paths.proxy,
        runId,
        env: { PATH: options.processEnv['PATH'] ?? '/usr/bin:/bin', ...markerEnv({ runId, service: PROXY_LOG, project }) },
        notice: (message) =>
          supervisorRef === undefined
            ? earlyNotices.push(message)
            : void supervisorRef.events.emit({ type: 'warning', service: PROXY_LOG, message }),
      });
    }
  } catch (error) {
    await entry?.close();
    await dashboard?.close();
    server.close();
    throw error;
  }
  trace('preflight-done');
  const stack = checked.config;
  const names = stack.services.map((service) => service.name);
  const redactor = new Redactor(checked.secrets, [
    ...names,
    ...stack.services.flatMap((service) => (service.database ? [service.database.user ?? '', service.database.engine] : [])),
  ]);
  const startTime = ownStartTime();
  writeSupervisorPidFile(stack.logsDir, { pid: process.pid, startTime, runId, startedAt, configFile: stack.file });
  writeRunRecord(paths.record, {
    pid: process.pid,
    startTime,
    runId,
    project,
    configFile: stack.file,
    logsDir: stack.logsDir,
    startedAt,
    services: recordedServices(stack, checked.selected),
    containerLabel: containerLabelOf(stack),
  });
  trace('records-written');
  const guardian = startGuardian({ recordPath: paths.record, cwd: stack.root, logsDir: stack.logsDir, env: reaperEnv(options.processEnv) });

  const lifecycles = new Map<string, ServiceLifecycle>();
  const serviceNamed = (name: string): ResolvedConfig['services'][number] => stack.services.find((service) => service.name === name)!;
  for (const [name, plan] of checked.plans) lifecycles.set(name, databaseLifecycle(serviceNamed(name), plan, stack.root));
  for (const [name, plan] of checked.containers) lifecycles.set(name, containerServiceLifecycle(serviceNamed(name), plan));
  const supervisor = new Supervisor({
    config: stack,
    runId,
    project,
    processEnv: options.processEnv,
    mode: options.mode,
    ports: checked.ports,
    lifecycles,
    redact: (event) => redactor.redactDeep(event),
  });
  supervisorRef = supervisor;
  if (entry !== undefined) supervisor.events.subscribe((event) => void (event.type === 'state' && entry.changed()));
  const logFiles = createLogFiles(stack.logsDir, stack.logRotation);
  const eventLog = createEventLog(join(stack.logsDir, 'devstack.log'));
  supervisor.events.subscribe(logFiles.listener);
  supervisor.events.subscribe(eventLog.listener);
  if (options.onEvent) supervisor.events.subscribe(options.onEvent);
  if (tracing) supervisor.events.subscribe((event) => void (event.type === 'state' && trace(`${event.service} ${event.state.type}`)));
  for (const notice of checked.notices) void supervisor.events.emit(notice);
  for (const message of earlyNotices) void supervisor.events.emit({ type: 'warning', service: PROXY_LOG, message });
  for (const [service, plan] of checked.plans) {
    const database = stack.services.find((candidate) => candidate.name === service)!.database!;
    const data = plan.mode === 'container' ? `volume ${database.volumeName}` : relative(options.cwd, database.dataDir);
    void supervisor.events.emit({ type: 'database-mode', service, mode: describePlan(plan), data });
  }
  const closing = createDeferred<void>();
  const sampling = startResourceSampling(() => supervisor.snapshot());
  const controlled = controlTargetOf(supervisor, {
    runId,
    startedAt,
    configFile: stack.displayFile,
    startupDone: () => startupDone,
    closing: closing.promise,
    proxy: () =>
      entry === undefined
        ? undefined
        : { url: entry.url, httpsUrl: entry.httpsUrl, port: entry.port, engine: entry.engine, pid: entry.pid },
    alsoLogs: entry !== undefined && stack.proxy?.accessLog === true ? [PROXY_LOG] : [],
    dashboardUrl: () => dashboard?.url,
    withUsage: sampling.withUsage,
  });
  target = controlled;
  dashboardTarget = controlled;
  handle.resolve(createControlHandler(controlled));

  const started = supervisor.start(checked.selected).finally(() => {
    startupDone = true;
  });
  const finished = (async () => {
    const outcome = await started;
    if (outcome.type === 'ready') await supervisor.whenIdle();
    await supervisor.stopAll();
    sampling.stop();
    await entry?.close();
    // Whatever container a crashed `docker run` left, and the stack's network.
    if (checked.containers.size > 0) await removeStackContainers(containerLabelOf(stack), options.processEnv['PATH']);
    const failed = outcome.type === 'failed' || supervisor.snapshot().some((service) => service.state === 'failed');
    const exitCode = failed ? 1 : 0;
    void supervisor.events.emit({ type: 'run-finished', exitCode });
    closing.resolve();
    await dashboard?.close();
    await Promise.all([logFiles.close(), eventLog.close()]);
    server.close();
    guardian.release();
    removeRunRecord(paths.record);
    removeSupervisorPidFile(stack.logsDir);
    return exitCode;
  })();
  const banner = entry === undefined ? undefined : entry.httpsUrl === undefined ? entry.url : `${entry.url} · ${entry.httpsUrl}`;
  return { supervisor, started, finished, proxyUrl: banner, dashboardUrl: dashboard?.url };
}

/** The reaper needs little: a PATH (docker, for database containers) and the runtime folder. */
function reaperEnv(processEnv: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'DEVSTACK_RUNTIME_DIR', 'NODE_EXTRA_CA_CERTS']) {
    const value = processEnv[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

async function alreadyRunningError(socket: string, config: ResolvedConfig): Promise<DevstackError> {
  const status = await createControlClient(socket).status(2000);
  const who = status.ok
    ? `supervisor pid ${status.value.pid}; ${status.value.services.map((service) => `${service.name} ${service.state}`).join(', ')}`
    : 'its supervisor is starting or busy';
  return new DevstackError('ALREADY_RUNNING', `the stack of ${config.displayFile} is already running (${who})`, {
    hint: 'use "devstack ps" or "devstack logs -f" to see it, "devstack restart <service>", or "devstack down" first',
  });
}

function refuseLeftovers(config: ResolvedConfig, project: string): void {
  const leftovers = findLeftovers(
    config.logsDir,
    project,
    config.services.map((service) => service.name),
  );
  if (!hasLeftovers(leftovers)) {
    removeStalePidFiles(config.logsDir);
    return;
  }
  const named = leftovers.services.map((service) => `${service.service} (pid ${service.pid})`);
  const strays = leftovers.strays > 0 ? [`${leftovers.strays} other process(es) of that run`] : [];
  const supervisor = leftovers.supervisor ? [`its supervisor (pid ${leftovers.supervisor.pid})`] : [];
  throw new DevstackError(
    'LEFTOVER_PROCESSES',
    `processes from a previous run are still running: ${[...named, ...strays, ...supervisor].join(', ')}`,
    {
      hint: 'run "devstack down" to stop them, then "devstack up" again',
    },
  );
}
