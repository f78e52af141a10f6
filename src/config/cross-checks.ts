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

function checkDuplicatePorts(displayFile: string, services: readonly ResolvedService[]): void {
  const owners = new Map<number, string>();
  for (const service of services) {
    if (service.port === undefined || service.port === 'auto') continue;
    const owner = owners.get(service.port);
    if (owner !== undefined) {
      throw configError(
        displayFile,
        `${service.database ? 'databases' : 'services'}.${service.name}.port`,
        `port ${service.port} is already used by service "${owner}"`,
        'give each service its own port',
      );
    }
    owners.set(service.port, service.name);
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
        `${service.database ? 'databases' : 'services'}.${service.name}`,
        `"${service.name}" and "${owner}" would both be injected as ${prefix}_URL and ${prefix}_PORT`,
        'rename one of them',
      );
    }
    owners.set(prefix, service.name);
  }
}

/** Every `${…}` in env values and health targets must name something that will exist at start. */
function checkTemplates(displayFile: string, service: ResolvedService, services: readonly ResolvedService[]): void {
  const fields: [string, string][] = Object.entries(service.env).map(([key, value]) => [`services.${service.name}.env.${key}`, value]);
  const { health } = service;
  if (health?.type === 'http') fields.push([`services.${service.name}.health.http`, health.url]);
  if (health?.type === 'tcp') fields.push([`services.${service.name}.health.tcp`, health.target]);
  const names = services.map((candidate) => candidate.name);
  for (const [field, value] of fields) {
    for (const inside of templateRefsIn(value)) {
      const ref = parseTemplateRef(inside);
      const template = `\${${inside}}`;
      if (ref.type === 'invalid') throw configError(displayFile, field, ref.problem);
      if (ref.type === 'own-port' && service.port === undefined) {
        throw configError(
          displayFile,
          field,
          `${template} needs a port, but service "${service.name}" has none`,
          "add port: <number> or port: 'auto' to the service",
        );
      }
      if (ref.type === 'service') {
        const target = services.find((candidate) => candidate.name === ref.service);
        if (target === undefined) {
          throw configError(
            displayFile,
            field,
            `unknown service "${ref.service}" in ${template}${didYouMean(ref.service, names)}`,
            `known services: ${names.join(', ')}`,
          );
        }
        if (target.port === undefined && ref.field !== 'host') {
          throw configError(
            displayFile,
            field,
            `${template} needs a port, but service "${ref.service}" has none`,
            "add port: <number> or port: 'auto' to that service",
          );
        }
      }
    }
  }
}
