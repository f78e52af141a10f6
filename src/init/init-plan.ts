/**
 * What `devstack init` will write, as data: services, databases and containers, each entry with
 * the notes that become comments in the file (where it came from, what is a guess).
 */
import type { Finding } from './detect-service.js';
import type { EngineName } from './images.js';

export interface PlannedDependency {
  readonly name: string;
  /** Why: "its source reads AUTH_SERVICE_URL", "depends_on in docker-compose.yml". */
  readonly why: string;
}

export interface PlannedEnv {
  readonly key: string;
  readonly value: string;
  readonly note?: string | undefined;
}

/** Planning fills a service in step by step (packages, then Compose, then links): some fields change. */
export interface PlannedService {
  name: string;
  /** Relative to the repository root; '' for the root. */
  readonly cwd: string;
  command: string;
  commandNote: string;
  port: Finding<number | 'auto'> | undefined;
  health: Finding<string | { readonly tcp: string }> | undefined;
  readonly dependsOn: PlannedDependency[];
  readonly env: PlannedEnv[];
  /** devstack restarts it on changes (a plain `node` service); undefined: leave watch off. */
  watch: string | undefined;
  task: boolean;
  profiles: readonly string[];
  readonly notes: string[];
}

export interface PlannedDatabase {
  readonly name: string;
  readonly engine: EngineName;
  readonly version: string | undefined;
  readonly port: number | 'auto';
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly database: string | undefined;
  readonly init: string | undefined;
  readonly management: boolean;
  readonly profiles: readonly string[];
  readonly notes: string[];
}

export interface PlannedContainer {
  readonly name: string;
  readonly image: string;
  readonly build: string | undefined;
  readonly command: readonly string[] | undefined;
  readonly ports: Readonly<Record<string, { readonly port: number | 'auto'; readonly container: number }>>;
  readonly env: PlannedEnv[];
  readonly volumes: Readonly<Record<string, string>>;
  readonly dependsOn: PlannedDependency[];
  readonly health: string | undefined;
  readonly profiles: readonly string[];
  readonly notes: string[];
}

export interface InitPlan {
  readonly services: PlannedService[];
  readonly databases: PlannedDatabase[];
  readonly containers: PlannedContainer[];
  /** What was found and where, for the summary `init` prints. */
  readonly report: string[];
}

/** A valid, unique devstack service name from a package or Compose name (`@clinic/auth-service` → auth-service). */
export function serviceNameFrom(raw: string, taken: ReadonlySet<string>): string {
  const base =
    raw
      .replace(/^@[^/]+\//, '')
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '')
      .replace(/^devstack(?=\.|$)/i, 'app-devstack') || 'service';
  if (!taken.has(base)) return base;
  for (let suffix = 2; ; suffix++) if (!taken.has(`${base}-${suffix}`)) return `${base}-${suffix}`;
}
