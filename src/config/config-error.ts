/** The one-line error of a config that is valid for the schema but not for devstack. */
import { DevstackError } from '../errors.js';

export function configError(displayFile: string, field: string, message: string, hint?: string): DevstackError {
  const details = hint === undefined ? { file: displayFile, field } : { file: displayFile, field, hint };
  return new DevstackError('CONFIG_INVALID', `${displayFile}: ${field}: ${message}`, details);
}
