/** `auth-service | ` prefixes, padded to a common width, each service in its own colour. */
import type { ChalkInstance } from 'chalk';

const PALETTE = [
  'cyan',
  'magenta',
  'green',
  'yellow',
  'blue',
  'redBright',
  'cyanBright',
  'magentaBright',
  'greenBright',
  'yellowBright',
  'blueBright',
] as const;

export type PrefixFormatter = (service: string) => string;

export function createPrefixer(names: readonly string[], colors: ChalkInstance): PrefixFormatter {
  const width = Math.max('devstack'.length, ...names.map((name) => name.length));
  const cache = new Map<string, string>();
  return (service) => {
    let prefix = cache.get(service);
    if (prefix === undefined) {
      const index = names.indexOf(service);
      const padded = `${service.padEnd(width)} |`;
      prefix = index === -1 ? colors.bold(padded) : colors[PALETTE[index % PALETTE.length]!](padded);
      cache.set(service, prefix);
    }
    return prefix;
  };
}

export function prefixLines(prefix: string, lines: readonly string[]): string {
  let text = '';
  for (const line of lines) text += `${prefix} ${line}\n`;
  return text;
}
