// Shared by the bench scenarios.
import { createServer } from 'node:net';

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
export const round = (value) => Math.round(value * 10) / 10;
export const summary = (values) => ({
  median: round(median(values)),
  min: round(Math.min(...values)),
  max: round(Math.max(...values)),
  runs: values.length,
});

/**
 * How long every `down`-style scenario (devstack, the raw group kill, concurrently, PM2) lets a
 * stack with grandchildren settle before stopping it: each grandchild is a Node start of its own
 * (~60–100 ms of CPU), ten of them on two cores take a few hundred ms after their parents answer,
 * and a stop timed while they boot times their boot (devstack's own CLI start doubled).
 */
export const SETTLE_BEFORE_STOP_MS = 1000;

export const sleepMs = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port the kernel calls free now (two calls may return the same one: see distinctPorts in run.js). */
export function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
