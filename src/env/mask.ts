/** Secrets never leave devstack unmasked unless asked (`devstack env --reveal`). */
const SECRET_KEY = /PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|_KEY$|^KEY$|CREDENTIAL|AUTH|COOKIE|SESSION/i;
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@/?#\s]*)(@)/i;
export const MASK = '****';

export function isSecretKey(key: string): boolean {
  // Service URLs devstack injects (AUTH_SERVICE_URL) are not secrets; their passwords, if any, are masked below.
  if (/_(URL|PORT|HOST)$/.test(key)) return false;
  return SECRET_KEY.test(key);
}

/** `postgres://app:hunter2@db/x` → `postgres://app:****@db/x`. */
export function maskUrlPassword(value: string): string {
  return value.replace(URL_PASSWORD, (_match, before: string, password: string, at: string) =>
    password === '' ? `${before}${at}` : `${before}${MASK}${at}`,
  );
}

export function maskValue(key: string, value: string): string {
  if (isSecretKey(key)) return value === '' ? '' : MASK;
  return maskUrlPassword(value);
}
