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
