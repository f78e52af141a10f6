/**
 * `dependsOn` that `devstack init` can infer beyond Compose's depends_on: a local workspace package
 * that is itself a service; a variable the service's source reads that names another service or
 * database (`AUTH_SERVICE_URL` → auth-service, `AUTH_URL` → auth-service); a .env URL that points at
 * a sibling's fixed port. An edge that would close a cycle is left out, and said so.
 */
import { envPrefix } from '../config/templates.js';
import { findCycle } from '../graph/graph.js';
import type { InitPlan, PlannedDependency, PlannedService } from './init-plan.js';
import type { NativeDraft } from './plan-repository.js';

const ADDRESS_SUFFIXES = ['URL', 'URI', 'HOST', 'PORT', 'ADDR', 'ADDRESS', 'ENDPOINT'];

/** The prefixes a variable about `name` may start with: AUTH_SERVICE_ and, for `auth-service`, AUTH_. */
function prefixesOf(name: string): string[] {
  const prefix = envPrefix(name);
  const short = prefix.replace(/_(SERVICE|SVC|API|SERVER)$/, '');
  return [...new Set([prefix, short, `${short}_SERVICE`, `${short}_API`])].filter((candidate) => candidate.length >= 2);
}

/** The service or database a variable name points at, if exactly one does. */
function targetOfVariable(variable: string, names: readonly string[]): string | undefined {
  const matches = names.filter((name) =>
    prefixesOf(name).some((prefix) => ADDRESS_SUFFIXES.some((suffix) => variable === `${prefix}_${suffix}`)),
  );
  return matches.length === 1 ? matches[0] : undefined;
}

function addDependency(service: PlannedService, dependency: PlannedDependency): void {
  if (dependency.name === service.name || service.dependsOn.some((existing) => existing.name === dependency.name)) return;
  service.dependsOn.push(dependency);
}

/** Drops one edge of each cycle until there is none, noting it on the service that lost it. */
function breakCycles(plan: InitPlan): void {
  for (;;) {
    const nodes = [
      ...plan.services.map((service) => ({ name: service.name, dependsOn: service.dependsOn.map((dependency) => dependency.name) })),
      ...plan.containers.map((container) => ({
        name: container.name,
        dependsOn: container.dependsOn.map((dependency) => dependency.name),
      })),
      ...plan.databases.map((database) => ({ name: database.name, dependsOn: [] })),
    ];
    const cycle = findCycle(nodes);
    if (cycle.ok) return;
    const [from, to] = cycle.error.slice(-2) as [string, string];
    const owner = plan.services.find((service) => service.name === from) ?? plan.containers.find((container) => container.name === from);
    if (owner === undefined) return;
    const index = owner.dependsOn.findIndex((dependency) => dependency.name === to);
    const [dropped] = owner.dependsOn.splice(index, 1);
    owner.notes.push(`not in dependsOn: ${to} (${dropped?.why ?? 'inferred'}), which would close the cycle ${cycle.error.join(' → ')}`);
  }
}

export function linkServices(plan: InitPlan, drafts: readonly NativeDraft[]): void {
  const byPackage = new Map(
    drafts.flatMap((draft) => (draft.manifest.name === undefined ? [] : [[draft.manifest.name, draft.service] as const])),
  );
  const names = [
    ...plan.services.map((service) => service.name),
    ...plan.databases.map((database) => database.name),
    ...plan.containers.map((c) => c.name),
  ];
  const fixedPorts = new Map(
    plan.services.flatMap((service) => (typeof service.port?.value === 'number' ? [[service.port.value, service.name] as const] : [])),
  );
  for (const { service, manifest, detected } of drafts) {
    for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })) {
      const target = byPackage.get(dependency);
      if (target !== undefined) addDependency(service, { name: target.name, why: `it depends on the workspace package ${dependency}` });
    }
    for (const variable of detected.readsVariables) {
      const target = targetOfVariable(variable, names);
      if (target !== undefined) addDependency(service, { name: target, why: `its source reads ${variable}` });
    }
    for (const [key, value] of Object.entries(detected.dotenv)) {
      const port = /\/\/(?:localhost|127\.0\.0\.1)(?::(\d+))/.exec(value)?.[1];
      const target = port === undefined ? undefined : fixedPorts.get(Number(port));
      if (target !== undefined) addDependency(service, { name: target, why: `${key} in its .env points at its port ${port}` });
    }
  }
  breakCycles(plan);
}
