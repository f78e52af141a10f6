/**
 * User-facing failures are DevstackErrors: a one-line message naming the file, field or service,
 * and an optional one-line hint that starts with a verb. Anything else reaching the CLI boundary is
 * a bug and is reported with its stack.
 */
export type ErrorCode =
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_LOAD_FAILED'
  | 'CONFIG_INVALID'
  | 'DEPENDENCY_CYCLE'
  | 'UNKNOWN_SERVICE'
  | 'ALREADY_RUNNING'
  | 'LEFTOVER_PROCESSES'
  | 'NOT_RUNNING'
  | 'CONTROL_FAILED'
  | 'REFUSED'
  | 'STARTUP_FAILED'
  | 'STATE_DIR_UNWRITABLE'
  | 'PORT_IN_USE'
  | 'ENV_FILE_INVALID'
  | 'DATABASE_UNAVAILABLE'
  | 'HTTPS_UNAVAILABLE'
  | 'PROXY_UNAVAILABLE'
  | 'DASHBOARD_UNAVAILABLE'
  | 'BUILD_INCOMPLETE'
  | 'USAGE';

export interface ErrorDetails {
  readonly hint?: string;
  readonly file?: string;
  readonly field?: string;
  readonly service?: string;
  /** Extra lines printed after the message (e.g. a service's last log lines). */
  readonly body?: readonly string[];
  readonly cause?: unknown;
}

export class DevstackError extends Error {
  override readonly name = 'DevstackError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, { cause: details.cause });
    this.code = code;
    this.details = details;
  }
}

export function isDevstackError(value: unknown): value is DevstackError {
  return value instanceof DevstackError;
}
