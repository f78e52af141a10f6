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
import { join } from 'node:path';

export interface RunStackOptions {
  readonly config: ResolvedConfig;
  /** Services to start (with their dependencies); empty for all. */
  readonly services: readonly string[];
  readonly baseEnv: Readonly<Record<string, string>>;
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
  const { config } = options;
  const displayLogsDir = relative(options.cwd, config.logsDir) || '.';
  ensureLogsDir(config.logsDir, displayLogsDir);

  const address = controlSocketAddress(config.logsDir);
  const runId = randomBytes(8).toString('hex');
  const startedAt = new Date().toISOString();
  let supervisor: Supervisor | undefined;
  const listening = await listenControl(address, (request, response) => handler?.(request, response));
  let handler: ReturnType<typeof createControlHandler> | undefined;
  if (!listening.ok) {
    if (listening.reason === 'in-use') throw await alreadyRunningError(address, config);
    throw new DevstackError('STATE_DIR_UNWRITABLE', `cannot open the control socket: ${listening.message}`);
  }
  const server = listening.server;
  try {
    refuseLeftovers(config.logsDir);
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
  supervisor = new Supervisor({ config, runId, baseEnv: options.baseEnv });
  supervisor.onEvent(logEvent(log));
  if (options.onEvent) supervisor.onEvent(options.onEvent);
  handler = createControlHandler(supervisor, { runId, startedAt, configFile: config.file });
  log.info('run started', { runId, config: config.file, services: options.services });

  const started = supervisor.start(options.services);
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

async function alreadyRunningError(address: string, config: ResolvedConfig): Promise<DevstackError> {
  const status = await callControl<StatusResponse>(address, 'GET', '/status', undefined, 2000);
  const who = status.ok
    ? `supervisor pid ${status.body.pid}; ${status.body.services.map((service) => `${service.name} ${service.state}`).join(', ')}`
    : 'its supervisor is busy';
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
  throw new DevstackError('LEFTOVER_PROCESSES', `processes from a previous run are still running: ${[...named, ...strays, ...supervisor].join(', ')}`, {
    hint: 'run "devstack down" to stop them, then "devstack up" again',
  });
}

function logEvent(log: SupervisorLog): (event: SupervisorEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'state': {
        const { state } = event;
        const fields = { service: event.service, state: state.type, from: event.previous.type };
        if (state.type === 'failed') log.error('service failed', { ...fields, reason: state.reason, message: state.message });
        else log.info('service state', state.type === 'starting' ? { ...fields, pid: state.pid } : fields);
        return;
      }
      case 'stop-escalated':
        log.warn('stop timeout, sent SIGKILL', { service: event.service, signal: event.signal, timeoutMs: event.timeoutMs });
        return;
      case 'stop-incomplete':
        log.error('processes survived SIGKILL', { service: event.service, pids: event.survivors });
        return;
      case 'output':
        return; // service output goes to the service's own log file
    }
  };
}
