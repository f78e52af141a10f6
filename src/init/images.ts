/**
 * Which devstack engine an image is (`postgres:14` → postgres 14), and which npm packages tell that
 * a service talks to one (`pg` → postgres), for `devstack init`. Each engine's Compose environment
 * contract (POSTGRES_USER, MYSQL_DATABASE…) maps onto the database settings.
 */
export type EngineName = 'postgres' | 'mysql' | 'mariadb' | 'redis' | 'rabbitmq' | 'mongodb';

export interface EngineImage {
  readonly engine: EngineName;
  /** The major (or major.minor) version from the tag, when it has one. */
  readonly version: string | undefined;
  /** The image's variables that hold user, password and database. */
  readonly user: readonly string[];
  readonly password: readonly string[];
  readonly database: readonly string[];
}

interface EngineFacts {
  readonly repositories: RegExp;
  readonly user: readonly string[];
  readonly password: readonly string[];
  readonly database: readonly string[];
}

const ENGINES: Readonly<Record<EngineName, EngineFacts>> = {
  postgres: {
    repositories: /^(postgres|postgis\/postgis|bitnami\/postgresql|timescale\/timescaledb(-ha)?|pgvector\/pgvector)$/,
    user: ['POSTGRES_USER', 'POSTGRESQL_USERNAME'],
    password: ['POSTGRES_PASSWORD', 'POSTGRESQL_PASSWORD'],
    database: ['POSTGRES_DB', 'POSTGRESQL_DATABASE'],
  },
  mysql: {
    repositories: /^(mysql|bitnami\/mysql|mysql\/mysql-server)$/,
    user: ['MYSQL_USER'],
    password: ['MYSQL_PASSWORD', 'MYSQL_ROOT_PASSWORD'],
    database: ['MYSQL_DATABASE'],
  },
  mariadb: {
    repositories: /^(mariadb|bitnami\/mariadb)$/,
    user: ['MARIADB_USER', 'MYSQL_USER'],
    password: ['MARIADB_PASSWORD', 'MYSQL_PASSWORD', 'MARIADB_ROOT_PASSWORD', 'MYSQL_ROOT_PASSWORD'],
    database: ['MARIADB_DATABASE', 'MYSQL_DATABASE'],
  },
  redis: { repositories: /^(redis|bitnami\/redis|redis\/redis-stack(-server)?|valkey\/valkey)$/, user: [], password: [], database: [] },
  rabbitmq: {
    repositories: /^(rabbitmq|bitnami\/rabbitmq)$/,
    user: ['RABBITMQ_DEFAULT_USER'],
    password: ['RABBITMQ_DEFAULT_PASS'],
    database: [],
  },
  mongodb: {
    repositories: /^(mongo|mongodb\/mongodb-community-server|bitnami\/mongodb)$/,
    user: ['MONGO_INITDB_ROOT_USERNAME'],
    password: ['MONGO_INITDB_ROOT_PASSWORD'],
    database: ['MONGO_INITDB_DATABASE'],
  },
};

/** `docker.io/library/postgres:14-alpine` → postgres, '14'; an image no engine runs → undefined. */
export function engineOfImage(image: string): EngineImage | undefined {
  const withoutDigest = image.split('@')[0]!;
  const tagAt = withoutDigest.lastIndexOf(':');
  const hasTag = tagAt > withoutDigest.lastIndexOf('/');
  const repository = (hasTag ? withoutDigest.slice(0, tagAt) : withoutDigest).replace(/^(docker\.io\/)?(library\/)?/, '');
  const tag = hasTag ? withoutDigest.slice(tagAt + 1) : 'latest';
  for (const [engine, facts] of Object.entries(ENGINES) as [EngineName, EngineFacts][]) {
    if (!facts.repositories.test(repository)) continue;
    const version = /^(\d+(?:\.\d+)?)/.exec(tag)?.[1];
    return { engine, version, user: facts.user, password: facts.password, database: facts.database };
  }
  return undefined;
}

/** npm packages that mean "this service uses that engine". */
const CLIENT_PACKAGES: readonly [RegExp, EngineName][] = [
  [/^(pg|postgres|pg-promise|@neondatabase\/serverless|slonik)$/, 'postgres'],
  [/^(mysql|mysql2)$/, 'mysql'],
  [/^(mariadb)$/, 'mariadb'],
  [/^(redis|ioredis|@redis\/client|bullmq|bull)$/, 'redis'],
  [/^(amqplib|amqp-connection-manager|rascal|@golevelup\/nestjs-rabbitmq)$/, 'rabbitmq'],
  [/^(mongodb|mongoose)$/, 'mongodb'],
];

export function enginesUsedBy(dependencies: readonly string[]): EngineName[] {
  const found = new Set<EngineName>();
  for (const dependency of dependencies) for (const [pattern, engine] of CLIENT_PACKAGES) if (pattern.test(dependency)) found.add(engine);
  return [...found];
}

/** The variables a service reads that mean it wants that engine: DATABASE_URL, REDIS_URL… (DATABASE_URL alone says no engine). */
export const ENGINE_VARIABLES: Readonly<Record<EngineName, readonly string[]>> = {
  postgres: ['DATABASE_URL', 'POSTGRES_URL', 'PG_URL', 'PGHOST'],
  mysql: ['DATABASE_URL', 'MYSQL_URL'],
  mariadb: ['DATABASE_URL', 'MYSQL_URL', 'MARIADB_URL'],
  redis: ['REDIS_URL', 'REDIS_HOST'],
  rabbitmq: ['AMQP_URL', 'RABBITMQ_URL'],
  mongodb: ['MONGODB_URI', 'MONGO_URL', 'MONGODB_URL', 'MONGO_URI'],
};

/** Engines a service's variables name unambiguously (REDIS_URL, AMQP_URL, MONGODB_URI…), even without a known client package. */
export function enginesNamedBy(variables: readonly string[]): EngineName[] {
  return (Object.entries(ENGINE_VARIABLES) as [EngineName, readonly string[]][]).flatMap(([engine, names]) =>
    names.some((name) => name !== 'DATABASE_URL' && variables.includes(name)) ? [engine] : [],
  );
}
