/**
 * One supervisor run of a stack: take the stack's lock (its control socket), refuse to start
 * over live leftovers, record the supervisor's PID file, start the services, serve control
 * requests, and clean up when everything has stopped.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { relative } from 'node:path';
import type { ResolvedConfig } from '../config/resolved.js';
import { callControl } from '../control/client.js';
import type { StatusResponse } from '../control/protocol.js';
import { createControlHandler, listenControl } from '../control/server.js';
import { controlSocketAddress } from '../control/socket-address.js';
import { DevstackError } from '../errors.js';
import { createSupervisorLog, type SupervisorLog } from '../logs/supervisor-log.js';
import { removeSupervisorPidFile, writeSupervisorPidFile } from '../process/pid-file.js';
import { readProcInfo } from '../process/proc-table.js';
import type { StartOutcome, SupervisorEvent, SupervisorListener } from '../supervisor/events.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { findLeftovers, hasLeftovers, removeStalePidFiles } from './leftovers.js';
import { ensureLogsDir } from './state-dir.js';
import { unreachable } from '../util/unreachable.js';
import { selectServices, withoutServices } from '../config/select.js';
import { describePlan, planDatabase, type DatabasePlan } from '../databases/plan.js';
import { planPorts } from '../env/ports.js';
import { resolveServiceEnv } from '../env/service-env.js';
import { join } from 'node:path';

export interface RunStackOptions {
  readonly config: ResolvedConfig;
  /** Services to start (with their dependencies); empty for all (but those of inactive profiles). */
  readonly services: readonly string[];
  readonly profiles: readonly string[];
  /** Selects .env.<mode> files. */
  readonly mode: string;
  readonly processEnv: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly onEvent?: SupervisorListener;
}

export interface StackRun {
  readonly supervisor: Supervisor;
  /** Settles once every requested service is ready, or startup failed (everything then stopped). */
  readonly started: Promise<StartOutcome>;
  /** Settles when the run is over and cleaned up; 0 when it ended normally, 1 after a failure. */
  readonly finished: Promise<number>;
}

export async function runStack(options: RunStackOptions): Promise<StackRun> {
  let { config } = options;
  const displayLogsDir = relative(options.cwd, config.logsDir) || '.';
  ensureLogsDir(config.logsDir, displayLogsDir);

  const address = controlSocketAddress(config.logsDir);
  const runId = randomBytes(8).toString('hex');
  const startedAt = new Date().toISOString();
  // The socket is bound first, as the lock; until the supervisor exists, requests get a 503.
  let handler: ReturnType<typeof createControlHandler> | undefined;
  const listening = await listenControl(address, (request, response) => {
    if (handler) handler(request, response);
    else response.writeHead(503).end(JSON.stringify({ error: 'the supervisor is starting' }));
  });
  if (!listening.ok) {
    if (listening.reason === 'in-use') throw await alreadyRunningError(address, config);
    throw new DevstackError('STATE_DIR_UNWRITABLE', `cannot open the control socket: ${listening.message}`);
  }
  const server = listening.server;
  let selected: string[];
  let ports: ReadonlyMap<string, number>;
  let databases: DatabasePreflight;
  try {
    refuseLeftovers(config.logsDir);
    selected = selectServices(config.services, options.services, options.profiles);
    databases = await planDatabases(config, selected, options.processEnv.PATH);
    config = withoutServices(
      config,
      databases.skipped.map((skip) => skip.service),
    );
    selected = selected.filter((name) => !databases.skipped.some((skip) => skip.service === name));
    ports = await preflight(config, selected, options);
  } catch (error) {
    server.close();
    throw error;
  }

  writeSupervisorPidFile(config.logsDir, {
    pid: process.pid,
    startTime: readProcInfo(process.pid)?.startTime,
    runId,
    startedAt,
    configFile: config.file,
  });
  const log = createSupervisorLog(join(config.logsDir, 'devstack.log'));
  const supervisor = new Supervisor({
    config,
    runId,
    processEnv: options.processEnv,
    mode: options.mode,
    ports,
    databasePlans: databases.plans,
  });
  supervisor.onEvent(logEvent(log));
  if (options.onEvent) supervisor.onEvent(options.onEvent);
  const announce = (event: SupervisorEvent): void => {
    logEvent(log)(event);
    options.onEvent?.(event);
  };
  for (const [service, plan] of databases.plans) {
    const database = config.services.find((candidate) => candidate.name === service)!.database!;
    const data = plan.mode === 'container' ? `volume ${database.volumeName}` : relative(options.cwd, database.dataDir);
    announce({ type: 'database-mode', service, mode: describePlan(plan), data });
  }
  for (const skip of databases.skipped) announce({ type: 'database-skipped', ...skip });
  handler = createControlHandler(supervisor, { runId, startedAt, configFile: config.file });
  log.info('run started', { runId, config: config.file, services: options.services });

  const started = supervisor.start(selected);
  const finished = finish(supervisor, started, server, log);
  return { supervisor, started, finished };
}

async function finish(supervisor: Supervisor, started: Promise<StartOutcome>, server: Server, log: SupervisorLog): Promise<number> {
  const outcome = await started;
  if (outcome.type === 'ready') await supervisor.whenIdle();
  await supervisor.stopAll();
  const failed = outcome.type === 'failed' || supervisor.snapshot().some((service) => service.state === 'failed');
  log.info('run finished', { outcome: outcome.type, failed });
  await supervisor.close();
  server.close();
  removeSupervisorPidFile(supervisor.config.logsDir);
  await log.close();
  return failed ? 1 : 0;
}

interface DatabasePreflight {
  readonly plans: ReadonlyMap<string, DatabasePlan>;
  readonly skipped: readonly { readonly service: string; readonly tried: readonly string[]; readonly hint: string }[];
}

/** How each selected database will run; none possible fails `up` (or skips it, when optional). */
async function planDatabases(
  config: ResolvedConfig,
  selected: readonly string[],
  pathVariable: string | undefined,
): Promise<DatabasePreflight> {
  const plans = new Map<string, DatabasePlan>();
  const skipped: { service: string; tried: readonly string[]; hint: string }[] = [];
  const databases = config.services.filter((service) => service.database !== undefined && selected.includes(service.name));
  const results = await Promise.all(
    databases.map(async (service) => ({ service, result: await planDatabase(service, config.root, pathVariable) })),
  );
  for (const { service, result } of results) {
    if (result.ok) {
      plans.set(service.name, result.plan);
    } else if (service.database!.optional) {
      skipped.push({ service: service.name, tried: result.tried, hint: result.hint });
    } else {
      throw new DevstackError(
        'DATABASE_UNAVAILABLE',
        `database "${service.name}" (${service.database!.engine}) cannot run here: ${result.tried.join('; ')}`,
        {
          service: service.name,
          hint: `${result.hint}; or set optional: true on databases.${service.name} in ${config.displayFile} to start without it`,
        },
      );
    }
  }
  return { plans, skipped };
}

/** Everything that can be known wrong before a process starts: taken ports, broken .env files. */
async function preflight(
  config: ResolvedConfig,
  selected: readonly string[],
  options: RunStackOptions,
): Promise<ReadonlyMap<string, number>> {
  const services = config.services.filter((service) => selected.includes(service.name));
  const plan = await planPorts(services);
  if (!plan.ok) {
    const holder = plan.holder === undefined ? '' : ` by pid ${plan.holder.pid} (${plan.holder.command})`;
    throw new DevstackError('PORT_IN_USE', `port ${plan.port} of service "${plan.service}" is already in use${holder}`, {
      service: plan.service,
      hint:
        plan.holder === undefined
          ? "stop the program using it, or set port: 'auto'"
          : `stop pid ${plan.holder.pid}, or set port: 'auto' for "${plan.service}" in ${config.displayFile}`,
    });
  }
  for (const service of services) {
    const env = resolveServiceEnv({
      processEnv: options.processEnv,
      root: config.root,
      mode: options.mode,
      service,
      services: config.services,
      ports: plan.ports,
      injected: {},
    });
    if (!env.ok) {
      const file = relative(options.cwd, env.file);
      throw new DevstackError('ENV_FILE_INVALID', `${file}:${env.line}: malformed line (${env.problem})`, {
        file,
        hint: 'write KEY=value, quote values with spaces or # in them, and start comments with #',
      });
    }
  }
  return plan.ports;
}

async function alreadyRunningError(address: string, config: ResolvedConfig): Promise<DevstackError> {
  const status = await callControl<StatusResponse>(address, 'GET', '/status', undefined, 2000);
  const who = status.ok
    ? `supervisor pid ${status.body.pid}; ${status.body.services.map((service) => `${service.name} ${service.state}`).join(', ')}`
    : 'its supervisor is starting or busy';
  return new DevstackError('ALREADY_RUNNING', `the stack of ${config.displayFile} is already running (${who})`, {
    hint: 'use "devstack ps" or "devstack logs -f" to see it, "devstack restart <service>", or "devstack down" first',
  });
}

function refuseLeftovers(logsDir: string): void {
  const leftovers = findLeftovers(logsDir);
  if (!hasLeftovers(leftovers)) {
    removeStalePidFiles(logsDir);
    return;
  }
  const named = leftovers.services.map((record) => `${record.service} (pid ${record.pid})`);
  const strays = leftovers.strays.length > 0 ? [`${leftovers.strays.length} other process(es) of that run`] : [];
  const supervisor = leftovers.supervisor ? [`its supervisor (pid ${leftovers.supervisor.pid})`] : [];
  throw new DevstackError(
    'LEFTOVER_PROCESSES',
    `processes from a previous run are still running: ${[...named, ...strays, ...supervisor].join(', ')}`,
    {
      hint: 'run "devstack down" to stop them, then "devstack up" again',
    },
  );
}

function logEvent(log: SupervisorLog): (event: SupervisorEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'state': {
        const { state } = event;
        const fields = { service: event.service, state: state.type, from: event.previous.type };
        if (state.type === 'failed') log.error('service failed', { ...fields, reason: state.reason, message: state.message });
        else if (state.type === 'backoff')
          log.warn('service crashed, restart scheduled', { ...fields, attempt: state.attempt, message: state.message });
        else log.info('service state', state.type === 'starting' ? { ...fields, pid: state.pid } : fields);
        return;
      }
      case 'stop-escalated':
        log.warn('stop timeout, sent SIGKILL', { service: event.service, signal: event.signal, timeoutMs: event.timeoutMs });
        return;
      case 'stop-incomplete':
        log.error('processes survived SIGKILL', { service: event.service, pids: event.survivors });
        return;
      case 'restarting':
        return;
      case 'pid-file-failed':
        log.error('could not write the PID file', { service: event.service, message: event.message });
        return;
      case 'restarted':
        log.info('service restarted', { service: event.service, cause: event.cause, readyInMs: event.readyInMs });
        return;
      case 'restart-loop':
        log.warn('restart loop detected, restarts on change paused', { service: event.service, file: event.file });
        return;
      case 'database-mode':
        log.info('database mode', { service: event.service, mode: event.mode, data: event.data });
        return;
      case 'database-skipped':
        log.warn('optional database skipped: no way to run it', { service: event.service, tried: event.tried });
        return;
      case 'output':
        return; // service output goes to the service's own log file
      default:
        return unreachable(event);
    }
  };
}
