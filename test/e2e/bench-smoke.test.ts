// The benchmark (`npm run bench`) drives dist/ internals directly; this runs each of its scenarios
// once, small, so a refactor that breaks the benchmark fails here instead of at the next bench run.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript, without type declarations
import * as scenarios from '../../bench/scenarios.js';
// @ts-expect-error: plain JavaScript, without type declarations
import * as peers from '../../bench/peers.js';
// @ts-expect-error: plain JavaScript, without type declarations
import * as cli from '../../bench/cli-scenarios.js';
// @ts-expect-error: plain JavaScript, without type declarations
import { proxyLatency } from '../../bench/proxy-latency.js';
// @ts-expect-error: plain JavaScript, without type declarations
import { dashboardCost, samplingCost } from '../../bench/dashboard-cost.js';

describe('bench smoke', () => {
  it('runs the DAG, readiness, stop, SIGKILL and log scenarios at a small size', async () => {
    const dag = await scenarios.dagServices();
    expect(await scenarios.devstackDag(dag)).toBeGreaterThan(600);
    expect(scenarios.timelineOfLastDag()).toHaveLength(10);
    const lag = await scenarios.readinessLag();
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(1000);
    expect(await scenarios.stopMany(3)).toMatchObject({ left: 0 });
    const logs = await peers.logThroughput(20_000);
    expect(logs).toMatchObject({ lines: 20_000, lost: 0, torn: 0 });
    const memory = await peers.devstackIdleMemory(2);
    expect(memory).toMatchObject({ services: 2, shellProcesses: 0, left: 0 });
    expect(memory.rssKb).toBeGreaterThan(10_000);
  }, 120_000);

  it('runs the CLI scenarios (up -d with its phases, down of a tree, idle memory, logs reading) and the proxy at a small size', async () => {
    const dag = await scenarios.dagServices();
    expect(await cli.referenceDag(dag)).toBeGreaterThan(600);
    const up = await cli.cliUpDown(cli.treeServices(2), 'sm');
    expect(up).toMatchObject({ left: 0 });
    expect(up.phases.cliExit).toBeGreaterThan(up.phases.firstServiceSpawned);
    expect(await cli.rawGroupKill(2)).toBeGreaterThanOrEqual(0);
    expect(await cli.nodeNoop()).toBeGreaterThan(10); // a Node start is never free
    const memory = await cli.cliIdleMemory(2);
    expect(memory.supervisor.privateKb).toBeGreaterThan(1000);
    expect(memory.left).toBe(0);
    const reads = await cli.logsReadSpeed(2);
    expect(reads.linesPrinted).toBe(reads.linesInFiles);
    const proxy = await proxyLatency({ durationMs: 300 });
    for (const side of [proxy.devstack, proxy.devstackNode]) {
      expect(side.rps).toBeGreaterThan(0);
      expect(side.errors).toBe(0);
      expect(side.atRate.errors).toBe(0);
    }
    expect(proxy.heldStatus).toBe(200);
  }, 180_000);

  it('runs the dashboard cost scenario (off, on, a Chromium tab) and the sampler at a small size', async () => {
    const cost = await dashboardCost(2, { idleMs: 500 });
    expect(cost).toMatchObject({ services: 2, left: 0 });
    expect(cost.rssKbTab).toBeGreaterThan(10_000);
    expect(cost.pageFilterMs.lines).toBeGreaterThan(1_000_000);
    expect((await samplingCost(5)).msPerSample).toBeGreaterThan(0);
  }, 120_000);
});
