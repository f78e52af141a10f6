/**
 * The runtime validator for services.config.ts: jiti does not type-check, so everything the types
 * in define-config.ts promise is checked here. Each schema carries an "expected …" message; the
 * loader appends the value it got and the field path (config/format-issues.ts).
 */
import { constants } from 'node:os';
import { z, type core } from 'zod';
import { MAX_DURATION_MS, parseDurationMs } from '../util/duration.js';
import { parseSizeBytes } from '../util/size.js';
import { err, ok, type Result } from '../util/result.js';
import type { ContainerConfig, DatabaseConfig, ServiceConfig, UserConfig } from './define-config.js';

const DURATION_EXPECTED = "expected a duration such as 500, '500ms', '2s' or '1m'";
const durationSchema = z
  .union([z.number(), z.string()], { error: DURATION_EXPECTED })
  .refine((value) => parseDurationMs(value) !== undefined, { error: DURATION_EXPECTED })
  // Node's timers hold at most 2^31-1 ms: a longer one fires at once ("not ready after 3 ms").
  .refine((value) => (parseDurationMs(value) ?? 0) <= MAX_DURATION_MS, { error: 'expected a duration of at most 24 days' });

/** A NUL byte cannot be passed to a program (argv and the environment are NUL-terminated). */
const NO_NUL = { error: 'expected text without NUL bytes' };
const noNul = (value: string): boolean => !value.includes('\0');

const nonEmptyString = z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' }).refine(noNul, NO_NUL);

const SIZE_EXPECTED = "expected a size such as 10485760, '512kb', '20mb' or '1gb'";
const sizeSchema = z
  .union([z.number(), z.string()], { error: SIZE_EXPECTED })
  .refine((value) => parseSizeBytes(value) !== undefined && parseSizeBytes(value)! >= 1024, { error: `${SIZE_EXPECTED} (at least 1kb)` });

const logRotationSchema = z.union(
  [
    z.literal(false),
    z.strictObject({
      maxSize: sizeSchema.optional(),
      keep: z
        .number({ error: 'expected a whole number' })
        .int({ error: 'expected a whole number' })
        .min(0)
        .max(100, { error: 'expected at most 100 files' })
        .optional(),
    }),
  ],
  { error: 'expected false or { maxSize, keep }' },
);

const COMMAND_EXPECTED = 'expected a non-empty command string or argv array';
const commandSchema = z.union(
  [
    z
      .string({ error: COMMAND_EXPECTED })
      .refine((command) => command.trim().length > 0, { error: COMMAND_EXPECTED })
      .refine(noNul, NO_NUL),
    z
      .array(z.string().refine(noNul, NO_NUL), { error: COMMAND_EXPECTED })
      .min(1, { error: COMMAND_EXPECTED })
      .refine((argv) => argv[0] !== undefined && argv[0].trim().length > 0, { error: COMMAND_EXPECTED }),
  ],
  { error: COMMAND_EXPECTED },
);

const portSchema = z
  .number({ error: 'expected a port number' })
  .int({ error: 'expected an integer port from 1 to 65535' })
  .min(1, { error: 'expected an integer port from 1 to 65535' })
  .max(65535, { error: 'expected an integer port from 1 to 65535' });

const PORT_EXPECTED = "expected a port number from 1 to 65535 or 'auto'";
const portOrAuto = z.union([portSchema, z.literal('auto', { error: PORT_EXPECTED })], { error: PORT_EXPECTED });
const PORT_NAME = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, { error: 'expected a port name of letters, digits, "_" or "-"' });
const portSettingSchema = z.union(
  [
    portOrAuto,
    z.strictObject({
      port: portOrAuto,
      scheme: z
        .string()
        .regex(/^[a-z][a-z0-9+.-]*$/, { error: 'expected a URL scheme such as http or grpc' })
        .optional(),
    }),
  ],
  { error: "expected a port number, 'auto', or { port, scheme }" },
);

const timing = {
  startPeriod: durationSchema.optional(),
  interval: durationSchema.optional(),
  timeout: durationSchema.optional(),
  readyTimeout: durationSchema.optional(),
};

const STATUS_EXPECTED = "expected a status code (100-599) or a class such as '2xx'";
const statusSchema = z.union(
  [
    z
      .number({ error: STATUS_EXPECTED })
      .int({ error: STATUS_EXPECTED })
      .min(100, { error: STATUS_EXPECTED })
      .max(599, { error: STATUS_EXPECTED }),
    z.enum(['1xx', '2xx', '3xx', '4xx', '5xx'], { error: STATUS_EXPECTED }),
  ],
  { error: STATUS_EXPECTED },
);

const urlSchema = nonEmptyString.refine((value) => /^https?:\/\/[^/\s]+/.test(value.replace(/\$\{[^}]*\}/g, '0')), {
  error: 'expected an http:// or https:// URL',
});

const httpCheckSchema = z.strictObject({
  http: urlSchema,
  expectStatus: z.array(statusSchema, { error: 'expected an array of statuses' }).min(1).optional(),
  ...timing,
});
const tcpCheckSchema = z.strictObject({
  tcp: z.union([portSchema, z.string().regex(/^[^:\s]+:(\d{1,5}|\$\{[^}]+\})$/)], {
    error: "expected a port number or 'host:port'",
  }),
  ...timing,
});
const logCheckSchema = z.strictObject({
  log: z.union(
    [
      z.instanceof(RegExp),
      nonEmptyString.refine(
        (source) => {
          try {
            new RegExp(source);
            return true;
          } catch {
            return false; // an invalid pattern is reported as a config error, not thrown at runtime
          }
        },
        { error: 'expected a valid regular expression' },
      ),
    ],
    { error: 'expected a regular expression or a valid pattern string' },
  ),
  ...timing,
});
const commandCheckSchema = z.strictObject({ command: commandSchema, ...timing });

const HEALTH_KINDS = ['http', 'tcp', 'log', 'command'];

const healthSchema = z.union([urlSchema, httpCheckSchema, tcpCheckSchema, logCheckSchema, commandCheckSchema], {
  error: `expected a URL or an object with one of ${HEALTH_KINDS.map((kind) => `"${kind}"`).join(', ')}`,
});

const signalSchema = z.custom<NodeJS.Signals>(
  (value) => typeof value === 'string' && /^SIG[A-Z0-9]+$/.test(value) && value in constants.signals,
  { error: "expected a signal name such as 'SIGTERM' or 'SIGINT'" },
);

const watchSchema = z.union(
  [
    z.boolean(),
    z.array(nonEmptyString),
    z.strictObject({
      paths: z.array(nonEmptyString).optional(),
      ignore: z.array(nonEmptyString).optional(),
      debounceMs: z.number().int().min(0).optional(),
    }),
  ],
  { error: 'expected true, a list of paths, or { paths, ignore, debounceMs }' },
);

const serviceSchema = z.strictObject(
  {
    command: commandSchema,
    cwd: nonEmptyString.optional(),
    env: z
      .record(
        z.string().regex(/^[^=\0]+$/, { error: 'expected a variable name without "=" or NUL bytes' }),
        z.union([z.string().refine(noNul, NO_NUL), z.number(), z.boolean()], { error: 'expected a string, number or boolean' }),
        { error: 'expected an object of environment variables' },
      )
      .optional(),
    port: portOrAuto.optional(),
    ports: z.record(PORT_NAME, portSettingSchema, { error: 'expected an object of named ports' }).optional(),
    profiles: z
      .array(z.string().regex(/^[\w.-]+$/, { error: 'expected a profile name' }), { error: 'expected an array of profile names' })
      .optional(),
    health: healthSchema.optional(),
    dependsOn: z.array(z.string({ error: 'expected a service name' }), { error: 'expected an array of service names' }).optional(),
    stopSignal: signalSchema.optional(),
    stopTimeout: durationSchema.optional(),
    watch: watchSchema.optional(),
    restartDependents: z.boolean({ error: 'expected true or false' }).optional(),
    type: z.enum(['service', 'task'], { error: "expected 'service' or 'task'" }).optional(),
    restart: z.enum(['no', 'on-failure', 'always'], { error: "expected 'no', 'on-failure' or 'always'" }).optional(),
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
    management: z.boolean({ error: 'expected true or false' }).optional(),
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
    optional: z.boolean({ error: 'expected true or false' }).optional(),
    profiles: z
      .array(z.string().regex(/^[\w.-]+$/, { error: 'expected a profile name' }), { error: 'expected an array of profile names' })
      .optional(),
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
    env: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected a variable name of letters, digits and "_"' }),
        z.union([z.string().refine(noNul, NO_NUL), z.number(), z.boolean()], { error: 'expected a string, number or boolean' }),
        { error: 'expected an object of environment variables' },
      )
      .optional(),
    volumes: z
      .record(PORT_NAME, z.string().regex(/^\/[^:\0]*$/, { error: 'expected an absolute path in the container, such as /data' }), {
        error: 'expected an object of volumes: { name: "/path/in/container" }',
      })
      .optional(),
    health: healthSchema.optional(),
    dependsOn: z.array(z.string({ error: 'expected a service name' }), { error: 'expected an array of service names' }).optional(),
    profiles: z
      .array(z.string().regex(/^[\w.-]+$/, { error: 'expected a profile name' }), { error: 'expected an array of profile names' })
      .optional(),
    stopTimeout: durationSchema.optional(),
    restart: z.enum(['no', 'on-failure', 'always'], { error: "expected 'no', 'on-failure' or 'always'" }).optional(),
    optional: z.boolean({ error: 'expected true or false' }).optional(),
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
