/** The one error for a proxy port that is taken, whichever engine or check finds it. */
import { DevstackError } from '../errors.js';

export function proxyPortInUse(field: 'proxy.port' | 'proxy.https.port', port: number): DevstackError {
  return new DevstackError('PORT_IN_USE', `${field}: port ${port} on 127.0.0.1 is already in use`, {
    field,
    hint: `set ${field} to a free port, or 'auto'`,
  });
}
