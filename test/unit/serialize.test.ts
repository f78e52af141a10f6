import { describe, expect, it } from 'vitest';
import { deserializeConfig, serializeConfig } from '../../src/config/serialize.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { validateUserConfig } from '../../src/config/schema.js';

describe('config handed to the background supervisor', () => {
  it('survives JSON with its RegExp and Infinity intact', () => {
    const parsed = validateUserConfig({ services: { api: { command: 'node a.js', health: { log: /ready on \d+/i } } } });
    if (!parsed.ok) throw new Error('expected valid');
    const config = resolveConfig({ config: parsed.value, file: '/p/services.config.ts', displayFile: 'services.config.ts' });
    const copy = deserializeConfig(serializeConfig(config));
    expect(copy).toEqual(config);
    const health = copy.services[0]!.health;
    expect(health?.type === 'log' && health.pattern.test('READY ON 80')).toBe(true);
    expect(copy.services[0]!.maxRestarts).toBe(Infinity);
  });
});
