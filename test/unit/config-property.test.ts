// Property: whatever a config exports, loading it ends in a ResolvedConfig or a DevstackError with
// a one-line message naming the file — never another exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configFromExport } from '../../src/config/load.js';
import { isDevstackError } from '../../src/errors.js';

const names = fc.constantFrom('api', 'db', 'web', 'auth-service', 'a.b', '', 'bad name', 'devstack', '__proto__', 'constructor');
const anyValue = fc.oneof(fc.anything(), fc.constantFrom(undefined, null, '', 0, -1, 70000, 'auto', 'SIGTERM', '2s', [], {}));
const field = <T>(values: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> =>
  fc.oneof({ weight: 3, arbitrary: values }, { weight: 1, arbitrary: anyValue });

const service = fc.record(
  {
    command: field(fc.oneof(fc.string(), fc.array(fc.string()))),
    cwd: field(fc.string()),
    env: field(
      fc.dictionary(
        fc.string(),
        fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant('${port}'), fc.constant('${services.db.url}')),
      ),
    ),
    port: field(fc.oneof(fc.integer({ min: -5, max: 70000 }), fc.constant('auto'))),
    health: field(
      fc.oneof(
        fc.webUrl(),
        fc.constant('http://127.0.0.1:${port}/health'),
        fc.record(
          { http: fc.string(), expectStatus: fc.array(fc.oneof(fc.integer(), fc.constantFrom('2xx', '9xx'))) },
          { requiredKeys: ['http'] },
        ),
        fc.record({ tcp: fc.oneof(fc.integer(), fc.string()) }),
        fc.record({ log: fc.string() }),
        fc.record({ command: fc.string(), interval: fc.oneof(fc.integer(), fc.string()) }, { requiredKeys: ['command'] }),
      ),
    ),
    dependsOn: field(fc.array(names)),
    stopSignal: field(fc.constantFrom('SIGTERM', 'SIGINT', 'SIGKILL', 'TERM', 'SIGNOPE')),
    stopTimeout: field(fc.oneof(fc.nat(), fc.string())),
    watch: field(fc.oneof(fc.boolean(), fc.array(fc.string()), fc.record({ paths: fc.array(fc.string()), debounceMs: fc.integer() }))),
    profiles: field(fc.array(fc.string())),
    type: field(fc.constantFrom('service', 'task', 'job')),
    restart: field(fc.constantFrom('no', 'on-failure', 'always', 'yes')),
    maxRestarts: field(fc.integer({ min: -2, max: 10 })),
  },
  { requiredKeys: [] },
);

const config = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      { services: fc.dictionary(names, service, { maxKeys: 5 }), logsDir: field(fc.string()) },
      { requiredKeys: ['services'] },
    ),
  },
  { weight: 1, arbitrary: anyValue },
);

describe('config loading, property-based', () => {
  it('never fails with anything but a one-line DevstackError naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(config, async (value) => {
        try {
          await configFromExport(value, '/project/services.config.ts', 'services.config.ts');
        } catch (error) {
          if (!isDevstackError(error)) throw error;
          expect(error.message.startsWith('services.config.ts: ')).toBe(true);
          expect(error.message).not.toContain('\n');
        }
      }),
      { numRuns: 3000 },
    );
  });
});
