// CPU and memory of a real process tree from /proc: the leader (sh) counts its children (a busy
// node and an idle sleep), and a tree that is gone reports nothing.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { ResourceSampler } from '../../src/process/resource-usage.js';
import { killAll } from '../helpers/processes.js';

const started: number[] = [];
afterEach(() => killAll(started.splice(0)));

describe('resource usage of a process tree', () => {
  it("sums the leader's descendants: a busy child shows as CPU, every child's memory counts", async () => {
    const busy = 'const end = Date.now() + 20000; const keep = Buffer.alloc(40 * 1024 * 1024, 1); while (Date.now() < end) keep[0]++;';
    const tree = spawn('sh', ['-c', `${process.execPath} -e '${busy}' & sleep 30 & wait`], { stdio: 'ignore', detached: true });
    started.push(-tree.pid!);
    const sampler = new ResourceSampler();
    await new Promise((resolve) => setTimeout(resolve, 600)); // node allocated and filled its 40 MB
    const roots = new Map([['tree', tree.pid!]]);
    expect(sampler.sample(roots).get('tree')).toMatchObject({ cpuPercent: undefined });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const usage = sampler.sample(roots).get('tree')!;
    // One core busy; under a loaded test machine it gets at least a good part of one.
    expect(usage.cpuPercent).toBeGreaterThan(30);
    expect(usage.cpuPercent).toBeLessThan(210);
    // node's 40 MB buffer (touched, so resident) plus sh and sleep.
    expect(usage.memoryBytes).toBeGreaterThan(40 * 1024 * 1024);
    process.kill(-tree.pid!, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sampler.sample(roots).get('tree')).toEqual({ cpuPercent: 0, memoryBytes: 0 });
  });
});
