/**
 * A ResolvedConfig as JSON, for handing it to the background supervisor: it then needs neither the
 * TypeScript loader nor the validator (about 35 MB of its memory). RegExp and Infinity survive.
 */
import type { ResolvedConfig } from './resolved.js';

export function serializeConfig(config: ResolvedConfig): string {
  return JSON.stringify(config, (_key, value: unknown) => {
    if (value instanceof RegExp) return { $regexp: value.source, flags: value.flags };
    if (value === Infinity) return { $number: 'Infinity' };
    return value;
  });
}

export function deserializeConfig(text: string): ResolvedConfig {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object') {
      const tagged = value as { $regexp?: string; flags?: string; $number?: string };
      if (typeof tagged.$regexp === 'string') return new RegExp(tagged.$regexp, tagged.flags);
      if (tagged.$number === 'Infinity') return Infinity;
    }
    return value;
  }) as ResolvedConfig;
}
