// The benchmark (`npm run bench`) drives dist/ internals directly; this runs each of its scenarios
// once, small, so a refactor that breaks the benchmark fails here instead of at the next bench run.
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript, without type declarations
import * as scenarios from '../../bench/scenarios.js';
// @ts-expect-error: plain JavaScript, without type declarations
import * as peers from '../../bench/peers.js';

describe('bench smoke', () => {
  it('runs the DAG, readiness, stop, SIGKILL and log scenarios at a small size', async () => {
    const dag = await scenarios.dagServices();
    expect(await scenarios.handWrittenDag(dag)).toBeGreaterThan(600);
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
});
