/** The one error for a proxy port that is taken, whichever engine or check finds it: who holds it, when that can be seen. */
import { findPortHolder, heldBy } from '../process/port-holder.js';
import { DevstackError } from '../errors.js';

export function proxyPortInUse(field: 'proxy.port' | 'proxy.https.port', port: number): DevstackError {
  const holder = findPortHolder(port);
  return new DevstackError('PORT_IN_USE', `${field}: port ${port} on 127.0.0.1 is already in use${heldBy(holder)}`, {
    field,
    hint: `${holder === undefined ? '' : `stop pid ${holder.pid}, or `}set ${field} to a free port, or 'auto'`,
  });
}
