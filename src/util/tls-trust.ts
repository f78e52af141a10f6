/**
 * NODE_EXTRA_CA_CERTS costs every Node process ~50 ms at start (it is read and parsed before any
 * code runs), and a background supervisor never needs it but for an https:// health check. So the
 * supervisor is started without it (the services still get it: their environment is forwarded), and
 * an https probe adds those certificates to Node's own roots itself, read once, when one first runs.
 */
import { readFileSync } from 'node:fs';

let extraCaFile: string | undefined;
let trusted: Promise<{ ca?: string[] }> | undefined;

/** The CA file the stack's environment names, when this process was started without it. */
export function trustExtraCaCerts(file: string | undefined): void {
  extraCaFile = file === '' ? undefined : file;
  trusted = undefined;
}

/** Options for https.request that trust what NODE_EXTRA_CA_CERTS would have added. */
export function httpsTrustOptions(): Promise<{ ca?: string[] }> {
  trusted ??= (async () => {
    if (extraCaFile === undefined) return {};
    const { rootCertificates } = await import('node:tls');
    try {
      return { ca: [...rootCertificates, readFileSync(extraCaFile, 'utf8')] };
    } catch {
      return {}; // unreadable: as Node itself does, carry on with the default roots
    }
  })();
  return trusted;
}
