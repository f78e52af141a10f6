/**
 * The runtime validator for services.config.ts: jiti does not type-check, so everything the types
 * in define-config.ts promise is checked here. Each schema carries an "expected …" message; the
 * loader appends the value it got and the field path (config/format-issues.ts).
 */
import { z, type core } from 'zod';
import { err, ok, type Result } from '../util/result.js';
import type { ContainerConfig, DatabaseConfig, ServiceConfig, UserConfig } from './define-config.js';
import {
  booleanSchema,
  commandSchema,
  dependsOnSchema,
  durationSchema,
  envSchema,
  healthSchema,
  logRotationSchema,
  proxySchema,
  noNul,
  NO_NUL,
  nonEmptyString,
  PORT_NAME,
  portOrAuto,
  portSchema,
  portSettingSchema,
  profilesSchema,
  restartPolicySchema,
  signalSchema,
  watchSchema,
} from './schema-parts.js';

const serviceSchema = z.strictObject(
  {
    command: commandSchema,
    cwd: nonEmptyString.optional(),
    env: envSchema(/^[^=\0]+$/, 'expected a variable name without "=" or NUL bytes').optional(),
    port: portOrAuto.optional(),
    ports: z.record(PORT_NAME, portSettingSchema, { error: 'expected an object of named ports' }).optional(),
    profiles: profilesSchema.optional(),
    health: healthSchema.optional(),
    dependsOn: dependsOnSchema.optional(),
    stopSignal: signalSchema.optional(),
    stopTimeout: durationSchema.optional(),
    watch: watchSchema.optional(),
    restartDependents: booleanSchema.optional(),
    type: z.enum(['service', 'task'], { error: "expected 'service' or 'task'" }).optional(),
    restart: restartPolicySchema.optional(),
    maxRestarts: z
      .number({ error: 'expected a whole number' })
      .int({ error: 'expected a whole number' })
      .min(0, { error: 'expected a whole number' })
      .optional(),
  },
  { error: 'expected a service object with at least a command' },
);

const databaseNameSchema = z.string({ error: 'expected a database name' }).regex(/^[A-Za-z_][\w$-]{0,62}$/, {
  error: 'expected a database name of letters, digits, "_", "$" or "-" (at most 63)',
});

const databaseSchema = z.strictObject(
  {
    engine: z.enum(['postgres', 'redis', 'mysql', 'mariadb', 'rabbitmq', 'mongodb'], {
      error: "expected 'postgres', 'redis', 'mysql', 'mariadb', 'rabbitmq' or 'mongodb'",
    }),
    version: z
      .string({ error: "expected a version string such as '15'" })
      .regex(/^\d+(\.\d+)*$/, { error: "expected a version such as '15' or '7.2'" })
      .optional(),
    port: portOrAuto.optional(),
    ports: z.record(PORT_NAME, portOrAuto, { error: 'expected an object of named ports' }).optional(),
    management: booleanSchema.optional(),
    database: databaseNameSchema.optional(),
    databases: z.array(databaseNameSchema, { error: 'expected an array of database names' }).optional(),
    user: z
      .string({ error: 'expected a user name' })
      .regex(/^[A-Za-z_][\w-]{0,62}$/, { error: 'expected a user name of letters, digits, "_" or "-"' })
      .optional(),
    password: z.string({ error: 'expected a string' }).optional(),
    init: nonEmptyString.optional(),
    mode: z.enum(['auto', 'native', 'embedded', 'container'], { error: "expected 'auto', 'native', 'embedded' or 'container'" }).optional(),
    image: nonEmptyString.optional(),
    optional: booleanSchema.optional(),
    profiles: profilesSchema.optional(),
    stopTimeout: durationSchema.optional(),
  },
  { error: "expected a database object such as { engine: 'postgres' }" },
);

const containerPortSchema = z.union(
  [
    portSchema,
    z.strictObject({
      port: portOrAuto.optional(),
      container: portSchema,
      scheme: z
        .string()
        .regex(/^[a-z][a-z0-9+.-]*$/, { error: 'expected a URL scheme such as http' })
        .optional(),
    }),
  ],
  { error: 'expected a port number, or { port, container, scheme }' },
);

const containerSchema = z.strictObject(
  {
    image: nonEmptyString.refine((image) => !/\s/.test(image), { error: 'expected an image name such as redis:7' }),
    build: nonEmptyString.optional(),
    command: z.array(z.string().refine(noNul, NO_NUL), { error: 'expected an array of arguments' }).optional(),
    ports: z.record(PORT_NAME, containerPortSchema, { error: 'expected an object of named ports' }).optional(),
    env: envSchema(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'expected a variable name of letters, digits, "_", "." and "-"').optional(),
    volumes: z
      .record(PORT_NAME, z.string().regex(/^\/[^:\0]*$/, { error: 'expected an absolute path in the container, such as /data' }), {
        error: 'expected an object of volumes: { name: "/path/in/container" }',
      })
      .optional(),
    health: healthSchema.optional(),
    dependsOn: dependsOnSchema.optional(),
    profiles: profilesSchema.optional(),
    stopTimeout: durationSchema.optional(),
    restart: restartPolicySchema.optional(),
    optional: booleanSchema.optional(),
  },
  { error: "expected a container object such as { image: 'redis:7' }" },
);

const userConfigSchema = z.strictObject(
  {
    services: z.record(z.string(), serviceSchema, { error: 'expected an object of services' }),
    databases: z.record(z.string(), databaseSchema, { error: 'expected an object of databases' }).optional(),
    containers: z.record(z.string(), containerSchema, { error: 'expected an object of containers' }).optional(),
    logsDir: nonEmptyString.optional(),
    logRotation: logRotationSchema.optional(),
    proxy: proxySchema.optional(),
    dashboard: z
      .union([z.boolean(), z.strictObject({ port: portOrAuto.optional() })], { error: "expected true, false or { port: 7410 | 'auto' }" })
      .optional(),
  },
  { error: 'expected an object: export default defineConfig({ services: { … } })' },
);

// The hand-written, documented types and the schema must describe the same input.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
type SchemaMatchesServiceType = Assert<Equal<z.input<typeof serviceSchema>, ServiceConfig>>;
type SchemaMatchesDatabaseType = Assert<Equal<z.input<typeof databaseSchema>, DatabaseConfig>>;
type SchemaMatchesConfigType = Assert<Equal<z.input<typeof userConfigSchema>, UserConfig>>;
type SchemaMatchesContainerType = Assert<Equal<z.input<typeof containerSchema>, ContainerConfig>>;

export const CONFIG_KEYS: readonly string[] = Object.keys(userConfigSchema.shape);
export const SERVICE_KEYS: readonly string[] = Object.keys(serviceSchema.shape);
export const DATABASE_KEYS: readonly string[] = Object.keys(databaseSchema.shape);
export const CONTAINER_KEYS: readonly string[] = Object.keys(containerSchema.shape);

export type ValidationResult = Result<UserConfig, readonly core.$ZodIssue[]>;

export function validateUserConfig(value: unknown): ValidationResult {
  const parsed = userConfigSchema.safeParse(value, { reportInput: true });
  return parsed.success ? ok(parsed.data) : err(parsed.error.issues);
}
