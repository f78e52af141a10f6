/**
 * One attempt of a readiness probe. Every kind reports a ProbeResult; none throws. The `log` kind
 * is not polled: wait-healthy.ts watches the service's output for it.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { ResolvedProbe } from '../config/resolved.js';
import { probeRedis, probeSql, splitTarget } from './database-probes.js';
import { probeAmqp, probeMongo } from './broker-probes.js';
import { unreachable } from '../util/unreachable.js';
import { PROBE_OK, probeFailed, type ProbeResult } from './probe-result.js';

export type { ProbeFailure, ProbeResult } from './probe-result.js';
import { withLocalBinPath } from '../util/local-bin-path.js';
import { lastLine, runProgram } from '../util/run-program.js';
import { httpsTrustOptions } from '../util/tls-trust.js';
import { maskUrl } from '../util/secrets.js';

export type PolledProbe = Exclude<ResolvedProbe, { type: 'log' }>;

export interface ProbeContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
}

export function runProbeOnce(probe: PolledProbe, context: ProbeContext): Promise<ProbeResult> {
  switch (probe.type) {
    case 'http':
      return probeHttp(probe);
    case 'tcp': {
      const { host, port } = splitTarget(probe.target);
      return probeTcp(host, port, probe.timeoutMs);
    }
    case 'command':
      return probeCommand(probe, context);
    case 'postgres':
      return probeSql('postgres', probe, probe.timeoutMs);
    case 'redis':
      return probeRedis(probe.target, probe.password, probe.timeoutMs);
    case 'mysql':
      return probeSql('mysql', probe, probe.timeoutMs);
    case 'amqp':
      return probeAmqp(probe, probe.timeoutMs);
    case 'mongodb':
      return probeMongo(probe.target, probe.timeoutMs);
    default:
      return unreachable(probe);
  }
}

function describeNetworkError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED') return 'connection refused';
  if (error.code === 'ECONNRESET') return 'connection reset';
  return error.code ?? error.message;
}

async function probeHttp(probe: Extract<ResolvedProbe, { type: 'http' }>): Promise<ProbeResult> {
  // While the port is still closed (most attempts, during boot), a bare TCP connect says so at half
  // the CPU cost of an HTTP request; this keeps fast polling cheap for a stack booting on 2 cores.
  const { hostname, port, protocol } = new URL(probe.url);
  const shown = maskUrl(probe.url); // a health URL may carry a password or a ?token=
  const tcp = await probeTcp(hostname.replace(/^\[|\]$/g, ''), Number(port) || (protocol === 'https:' ? 443 : 80), probe.timeoutMs);
  if (!tcp.ok) return probeFailed(`GET ${shown}: ${tcp.error.message.slice(tcp.error.message.indexOf(': ') + 2)}`);
  // https (and TLS) load only for a stack that has an https:// health check.
  const secure = protocol === 'https:';
  const send = secure ? (await import('node:https')).request : httpRequest;
  const trust = secure ? await httpsTrustOptions() : {};
  return new Promise((resolve) => {
    const request = send(
      probe.url,
      // No keep-alive agent: each attempt is independent, and no socket outlives the probe.
      { method: 'GET', agent: false, timeout: probe.timeoutMs, headers: { 'user-agent': 'devstack-health' }, ...trust },
      (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        const expected = probe.expectStatus.some((range) => status >= range.min && status <= range.max);
        resolve(
          expected
            ? PROBE_OK
            : probeFailed(`GET ${shown} answered ${status}`, {
                definite: `status ${status}`,
                hint: `if ${status} means it is up, accept it: health: { http: '…', expectStatus: ['2xx', ${status}] }`,
              }),
        );
      },
    );
    request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: `no answer within ${probe.timeoutMs} ms` })));
    request.on('error', (error: NodeJS.ErrnoException) => resolve(probeFailed(`GET ${shown}: ${describeNetworkError(error)}`)));
    request.end();
  });
}

function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(PROBE_OK);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(probeFailed(`tcp ${host}:${port}: no answer within ${timeoutMs} ms`));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(probeFailed(`tcp ${host}:${port}: ${describeNetworkError(error)}`)));
  });
}

async function probeCommand(probe: Extract<ResolvedProbe, { type: 'command' }>, context: ProbeContext): Promise<ProbeResult> {
  const { command } = probe;
  const options = { cwd: context.cwd, env: withLocalBinPath(context.env, context.cwd), timeoutMs: probe.timeoutMs };
  const result = await (command.type === 'shell'
    ? runProgram('/bin/sh', ['-c', command.script], options)
    : runProgram(command.file, command.args, options));
  if (result.exitCode === 0) return PROBE_OK;
  const name = command.type === 'shell' ? command.script : command.file;
  if (result.timedOut) return probeFailed(`health command "${name}" did not finish within ${probe.timeoutMs} ms`);
  const stderr = lastLine(result.stderr);
  const why =
    result.spawnError !== undefined
      ? result.spawnError.code === 'ENOENT'
        ? 'was not found'
        : `could not run (${result.spawnError.message})`
      : result.exitCode === undefined
        ? 'was killed'
        : `exited with code ${result.exitCode}`;
  return probeFailed(`health command "${name}" ${why}${stderr ? `: ${stderr}` : ''}`);
}
