/**
 * Checks that need every service at once: two services on one port, two names that inject the same
 * variables, `${…}` templates that name something that will not exist at start.
 */
import { didYouMean } from '../util/suggest.js';
import { configError } from './config-error.js';
import type { ResolvedService } from './resolved.js';
import { envPrefix, parseTemplateRef, templateRefsIn } from './templates.js';

export function checkAcrossServices(displayFile: string, services: readonly ResolvedService[]): void {
  checkDuplicatePorts(displayFile, services);
  checkEnvPrefixes(displayFile, services);
  for (const service of services) checkTemplates(displayFile, service, services);
}

const section = (service: ResolvedService): string => (service.database ? 'databases' : service.container ? 'containers' : 'services');

function portField(service: ResolvedService, index: number): string {
  const port = service.ports[index]!;
  if (index === 0 && (service.database !== undefined || port.name === 'http')) return `${section(service)}.${service.name}.port`;
  return `${section(service)}.${service.name}.ports.${port.name}`;
}

function checkDuplicatePorts(displayFile: string, services: readonly ResolvedService[]): void {
  const owners = new Map<number, string>();
  for (const service of services) {
    service.ports.forEach((entry, index) => {
      if (entry.port === 'auto') return;
      const owner = owners.get(entry.port);
      if (owner !== undefined) {
        throw configError(
          displayFile,
          portField(service, index),
          `port ${entry.port} is already used by ${owner}`,
          "give each port its own number, or use 'auto'",
        );
      }
      owners.set(
        entry.port,
        owner === undefined && service.ports.length > 1 ? `port "${entry.name}" of service "${service.name}"` : `service "${service.name}"`,
      );
    });
  }
}

/** `a-b` and `a.b` would both be injected as A_B_URL: one would silently win. */
function checkEnvPrefixes(displayFile: string, services: readonly ResolvedService[]): void {
  const owners = new Map<string, string>();
  for (const service of services) {
    const prefix = envPrefix(service.name);
    const owner = owners.get(prefix);
    if (owner !== undefined) {
      throw configError(
        displayFile,
        `${section(service)}.${service.name}`,
        `"${service.name}" and "${owner}" would both be injected as ${prefix}_URL and ${prefix}_PORT`,
        'rename one of them',
      );
    }
    owners.set(prefix, service.name);
  }
}

/** Every `${…}` in env values and health targets must name something that will exist at start. */
function checkTemplates(displayFile: string, service: ResolvedService, services: readonly ResolvedService[]): void {
  const base = `${section(service)}.${service.name}`;
  const fields: [string, string][] = Object.entries(service.env).map(([key, value]) => [`${base}.env.${key}`, value]);
  const { health } = service;
  if (service.database === undefined) {
    if (health?.type === 'http') fields.push([`${base}.health.http`, health.url]);
    if (health?.type === 'tcp') fields.push([`${base}.health.tcp`, health.target]);
  }
  const names = services.map((candidate) => candidate.name);
  for (const [field, value] of fields) {
    for (const inside of templateRefsIn(value)) {
      const ref = parseTemplateRef(inside);
      const template = `\${${inside}}`;
      if (ref.type === 'invalid') throw configError(displayFile, field, ref.problem);
      if (ref.type === 'own-port')
        checkPortName(displayFile, field, template, service, ref.port, "add port: <number> or port: 'auto' to the service");
      if (ref.type !== 'service') continue;
      const target = services.find((candidate) => candidate.name === ref.service);
      if (target === undefined) {
        throw configError(
          displayFile,
          field,
          `unknown service "${ref.service}" in ${template}${didYouMean(ref.service, names)}`,
          `known services: ${names.join(', ')}`,
        );
      }
      if (inside.startsWith('databases.') && target.database === undefined) {
        throw configError(
          displayFile,
          field,
          `"${ref.service}" in ${template} is a service, not a database`,
          `use \${services.${ref.service}.url}`,
        );
      }
      if (ref.database !== undefined && !target.database!.databases.includes(ref.database)) {
        const known = target.database!.databases;
        throw configError(
          displayFile,
          field,
          `database "${ref.database}" in ${template} is not one of databases.${ref.service}${didYouMean(ref.database, known)}`,
          known.length === 0
            ? `${target.database!.engine} has no named databases`
            : `add it to databases.${ref.service}.databases, or use one of: ${known.join(', ')}`,
        );
      }
      if (ref.field !== 'host')
        checkPortName(displayFile, field, template, target, ref.port, "add port: <number> or port: 'auto' to that service");
    }
  }
}

function checkPortName(
  displayFile: string,
  field: string,
  template: string,
  service: ResolvedService,
  port: string | undefined,
  hint: string,
): void {
  if (service.ports.length === 0)
    throw configError(displayFile, field, `${template} needs a port, but service "${service.name}" has none`, hint);
  if (port === undefined || service.ports.some((candidate) => candidate.name === port)) return;
  const known = service.ports.map((candidate) => candidate.name);
  throw configError(
    displayFile,
    field,
    `service "${service.name}" has no port "${port}" in ${template}${didYouMean(port, known)}`,
    `its ports: ${known.join(', ')}`,
  );
}
