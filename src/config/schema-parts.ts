/**
 * The building blocks of the config schema (config/schema.ts): durations, sizes, commands, ports,
 * health checks and the small fields every section shares, each with its "expected …" message.
 */
import { z } from 'zod';
import { MAX_DURATION_MS, parseDurationMs } from '../util/duration.js';
import { parseSizeBytes } from '../util/size.js';
import type { Duration, HealthCheck, PortSetting, ServiceConfig, StopSignal, UserConfig } from './define-config.js';

// Each exported schema is typed as what it accepts (no schema here transforms its input).
type LogRotation = NonNullable<UserConfig['logRotation']>;
type Watch = NonNullable<ServiceConfig['watch']>;
type RestartPolicy = NonNullable<ServiceConfig['restart']>;
type EnvValues = Record<string, string | number | boolean>;

const DURATION_EXPECTED = "expected a duration such as 500, '500ms', '2s' or '1m'";
export const durationSchema: z.ZodType<Duration, Duration> = z
  .union([z.number(), z.string()], { error: DURATION_EXPECTED })
  .refine((value) => parseDurationMs(value) !== undefined, { error: DURATION_EXPECTED })
  // Node's timers hold at most 2^31-1 ms: a longer one fires at once ("not ready after 3 ms").
  .refine((value) => (parseDurationMs(value) ?? 0) <= MAX_DURATION_MS, { error: 'expected a duration of at most 24 days' });

/** A NUL byte cannot be passed to a program (argv and the environment are NUL-terminated). */
export const NO_NUL: { readonly error: string } = { error: 'expected text without NUL bytes' };
export const noNul = (value: string): boolean => !value.includes('\0');

export const nonEmptyString: z.ZodType<string, string> = z
  .string({ error: 'expected a string' })
  .min(1, { error: 'expected a non-empty string' })
  .refine(noNul, NO_NUL);

const SIZE_EXPECTED = "expected a size such as 10485760, '512kb', '20mb' or '1gb'";
const sizeSchema = z
  .union([z.number(), z.string()], { error: SIZE_EXPECTED })
  .refine((value) => parseSizeBytes(value) !== undefined && parseSizeBytes(value)! >= 1024, { error: `${SIZE_EXPECTED} (at least 1kb)` });

export const logRotationSchema: z.ZodType<LogRotation, LogRotation> = z.union(
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
export const commandSchema: z.ZodType<ServiceConfig['command'], ServiceConfig['command']> = z.union(
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

export const portSchema: z.ZodType<number, number> = z
  .number({ error: 'expected a port number' })
  .int({ error: 'expected an integer port from 1 to 65535' })
  .min(1, { error: 'expected an integer port from 1 to 65535' })
  .max(65535, { error: 'expected an integer port from 1 to 65535' });

const PORT_EXPECTED = "expected a port number from 1 to 65535 or 'auto'";
export const portOrAuto: z.ZodType<number | 'auto', number | 'auto'> = z.union([portSchema, z.literal('auto', { error: PORT_EXPECTED })], {
  error: PORT_EXPECTED,
});
export const PORT_NAME: z.ZodType<string, string> = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, { error: 'expected a port name of letters, digits, "_" or "-"' });
export const portSettingSchema: z.ZodType<PortSetting, PortSetting> = z.union(
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

export const healthSchema: z.ZodType<string | HealthCheck, string | HealthCheck> = z.union(
  [urlSchema, httpCheckSchema, tcpCheckSchema, logCheckSchema, commandCheckSchema],
  {
    error: `expected a URL or an object with one of ${HEALTH_KINDS.map((kind) => `"${kind}"`).join(', ')}`,
  },
);

const STOP_SIGNALS = [
  'SIGTERM',
  'SIGINT',
  'SIGQUIT',
  'SIGHUP',
  'SIGUSR1',
  'SIGUSR2',
  'SIGKILL',
  'SIGABRT',
  'SIGALRM',
  'SIGWINCH',
  'SIGPWR',
  'SIGXCPU',
  'SIGVTALRM',
  'SIGPROF',
] as const satisfies readonly StopSignal[];
// Every StopSignal is in the list (and `satisfies` checks the other way).
const everySignalListed: StopSignal extends (typeof STOP_SIGNALS)[number] ? true : never = true;
void everySignalListed;

export const signalSchema: z.ZodType<StopSignal, StopSignal> = z.custom<StopSignal>(
  (value) => typeof value === 'string' && (STOP_SIGNALS as readonly string[]).includes(value),
  { error: "expected a signal name such as 'SIGTERM' or 'SIGINT'" },
);

export const watchSchema: z.ZodType<Watch, Watch> = z.union(
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

export const profilesSchema: z.ZodType<string[], string[]> = z.array(z.string().regex(/^[\w.-]+$/, { error: 'expected a profile name' }), {
  error: 'expected an array of profile names',
});

export const dependsOnSchema: z.ZodType<string[], string[]> = z.array(z.string({ error: 'expected a service name' }), {
  error: 'expected an array of service names',
});

export const restartPolicySchema: z.ZodType<RestartPolicy, RestartPolicy> = z.enum(['no', 'on-failure', 'always'], {
  error: "expected 'no', 'on-failure' or 'always'",
});

export const booleanSchema: z.ZodType<boolean, boolean> = z.boolean({ error: 'expected true or false' });

/** An `env` object: names matching `name` (explained by `nameError`), values strings, numbers or booleans. */
export function envSchema(name: RegExp, nameError: string): z.ZodType<EnvValues, EnvValues> {
  return z.record(
    z.string().regex(name, { error: nameError }),
    z.union([z.string().refine(noNul, NO_NUL), z.number(), z.boolean()], { error: 'expected a string, number or boolean' }),
    { error: 'expected an object of environment variables' },
  );
}

type Proxy = NonNullable<UserConfig['proxy']>;
const ROUTE_PREFIX_EXPECTED = "expected a path prefix such as '/api' or '/'";
const SERVICE_NAME_EXPECTED = 'expected a service name';
export const proxySchema: z.ZodType<Proxy, Proxy> = z.strictObject(
  {
    port: portOrAuto.optional(),
    routes: z
      .record(
        z.string().regex(/^\/[^\s?#]*$/, { error: ROUTE_PREFIX_EXPECTED }),
        z.union(
          [
            nonEmptyString,
            z.strictObject({ service: nonEmptyString, stripPrefix: z.boolean({ error: 'expected true or false' }).optional() }),
          ],
          { error: `${SERVICE_NAME_EXPECTED}, or { service, stripPrefix }` },
        ),
        { error: "expected routes by path prefix (starting with /), such as { '/api': 'backend', '/': 'web' }" },
      )
      .optional(),
    hosts: z
      .record(
        z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, {
          error: "expected a host name such as 'shop.localhost'",
        }),
        z.string({ error: SERVICE_NAME_EXPECTED }).min(1, { error: SERVICE_NAME_EXPECTED }),
        { error: "expected an object of host names: { 'shop.localhost': 'web' }" },
      )
      .optional(),
    holdTimeout: durationSchema.optional(),
    maxHeld: z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(0).max(100_000).optional(),
    accessLog: z.boolean({ error: 'expected true or false' }).optional(),
    https: z
      .union(
        [z.boolean(), z.strictObject({ port: portOrAuto.optional(), cert: nonEmptyString.optional(), key: nonEmptyString.optional() })],
        { error: 'expected true, false or { port, cert, key }' },
      )
      .optional(),
    engine: z.enum(['auto', 'nginx', 'node'], { error: "expected 'auto', 'nginx' or 'node'" }).optional(),
  },
  { error: "expected a proxy object such as { routes: { '/': 'web' } }" },
);
