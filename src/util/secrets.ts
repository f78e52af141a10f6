/**
 * Secrets never leave devstack in clear unless asked (`devstack env --reveal`). A value is a secret
 * when its name says so (word by word: `STRIPE_SK`, `GITHUB_PAT`, `MY_PASS`, `SIGNING_SALT`,
 * `apiKey`), when it has the shape of a known credential (a JWT, `sk_live_…`, `ghp_…`, `AKIA…`, a PEM
 * private key) or of a random token, and inside URLs: the password of the user info and the values
 * of query parameters with secret names (`?token=`, `&sig=`). devstack's own output also goes through
 * a Redactor that knows the stack's secret values, wherever they ended up in a message.
 */
export const MASK = '****';

/** Name parts that make a variable secret wherever they appear (`PGPASSWORD`, `CLIENT_SECRET`). */
const SECRET_SUBSTRINGS = [
  'PASSWORD',
  'PASSWD',
  'PASSPHRASE',
  'SECRET',
  'TOKEN',
  'CREDENTIAL',
  'PRIVATE',
  'APIKEY',
  'COOKIE',
  'SESSION',
  'SIGNATURE',
  'AUTHORIZATION',
];
/** Whole words (split at `_`, `-`, `.` and camelCase) that make it secret: `DB_PASS`, not `PASSENGER`. */
const SECRET_WORDS = new Set([
  'PASS',
  'PWD',
  'KEY',
  'KEYS',
  'SK',
  'PAT',
  'JWT',
  'SALT',
  'AUTH',
  'SIG',
  'OTP',
  'DSN',
  'BEARER',
  'HMAC',
  'CSRF',
  'PEPPER',
  'CREDS',
]);
/** Names that hold where to find something, not the secret itself (`AUTH_SERVICE_URL`, `TOKEN_ENDPOINT`). */
const LOCATOR_SUFFIX = /[_.-](URL|URI|PORT|HOST|HOSTNAME|PATH|FILE|DIR|ENDPOINT|ISSUER)$/i;

export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word.toUpperCase());
}

export function isSecretName(name: string): boolean {
  if (LOCATOR_SUFFIX.test(name)) return false;
  const upper = name.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (SECRET_SUBSTRINGS.some((part) => upper.includes(part))) return true;
  return nameWords(name).some((word) => SECRET_WORDS.has(word));
}

const CREDENTIAL_SHAPES: readonly RegExp[] = [
  /^eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*$/, // JWT
  /^(sk|rk|pk)_(live|test)_[\w]{8,}$/, // Stripe
  /^whsec_\w{16,}$/,
  /^(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}$/, // GitHub
  /^github_pat_\w{20,}$/,
  /^xox[abposr]-[\w-]{10,}$/, // Slack
  /^(AKIA|ASIA)[0-9A-Z]{16}$/, // AWS access key id
  /^AIza[\w-]{30,}$/, // Google API key
  /^npm_[A-Za-z0-9]{30,}$/,
  /^glpat-[\w-]{20,}$/, // GitLab
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

function entropyBitsPerChar(value: string): number {
  const counts = new Map<string, number>();
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * True for values shaped like credentials: known token formats, and long random-looking strings
 * (base64/url-safe alphabet, letters and digits mixed, high entropy). A 40-character git hash
 * (hex: at most 4 bits a character) is not one.
 */
export function looksLikeSecretValue(value: string): boolean {
  if (CREDENTIAL_SHAPES.some((shape) => shape.test(value))) return true;
  if (value.length < 24 || value.length > 512 || !/^[A-Za-z0-9+/=_-]+$/.test(value)) return false;
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) return false;
  return entropyBitsPerChar(value) >= 4.2;
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/** One URL with its secrets masked; text that does not parse as a URL is returned as it was. */
export function maskUrl(url: string): string {
  const userInfo = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@/i.exec(url);
  let masked = url;
  if (userInfo !== null) {
    const [whole, scheme, info] = userInfo as unknown as [string, string, string];
    const colon = info.indexOf(':');
    const user = colon === -1 ? info : info.slice(0, colon);
    const password = colon === -1 ? undefined : info.slice(colon + 1);
    const shownUser = looksLikeSecretValue(decodeSafe(user)) ? MASK : user;
    const shownPassword = password === undefined ? '' : password === '' ? ':' : `:${MASK}`;
    masked = `${scheme}${shownUser}${shownPassword}@${url.slice(whole.length)}`;
  }
  return masked.replace(/([?&;])([^=&#;]+)=([^&#;]*)/g, (match, separator: string, name: string, value: string) =>
    value !== '' && (isSecretName(decodeSafe(name)) || looksLikeSecretValue(decodeSafe(value))) ? `${separator}${name}=${MASK}` : match,
  );
}

/** Every URL inside a free text, masked. */
export function maskUrlsIn(text: string): string {
  if (!text.includes('://')) return text;
  // A URL in a sentence may be followed by punctuation ("…/health?key=x: connection refused"): keep it out.
  return text.replace(URL_IN_TEXT, (url) => {
    const trailing = /[.,:;!?)\]]+$/.exec(url)?.[0] ?? '';
    return maskUrl(url.slice(0, url.length - trailing.length)) + trailing;
  });
}

/** How `devstack env` shows a variable. */
export function maskValue(name: string, value: string): string {
  if (value === '') return '';
  if (isSecretName(name) || looksLikeSecretValue(value)) return MASK;
  return maskUrlsIn(value);
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a malformed escape: judge the text as written
  }
}

/** Secret values shorter than this are not searched for in text: they would match ordinary words. */
const MIN_REDACTED_LENGTH = 6;

/**
 * Masks the stack's known secret values (and any URL's secrets) in a text devstack is about to
 * print or store. Built once per run from the resolved environments and database passwords.
 */
export class Redactor {
  readonly #values: string[];

  constructor(values: Iterable<string>, notSecret: Iterable<string> = []) {
    const ordinary = new Set(notSecret);
    // Longest first, so a secret that contains another is masked whole.
    this.#values = [...new Set(values)]
      .filter((value) => value.length >= MIN_REDACTED_LENGTH && !ordinary.has(value))
      .sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let result = maskUrlsIn(text);
    for (const value of this.#values) if (result.includes(value)) result = result.split(value).join(MASK);
    return result;
  }

  /** Every string inside a JSON-like value, redacted (for events and API answers). */
  redactDeep<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item: unknown) => this.redactDeep(item)) as T;
    if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, this.redactDeep(item)]);
      return Object.fromEntries(entries) as T;
    }
    return value;
  }
}

/** The secret values among an environment's variables (by name or shape, and URL passwords). */
export function secretValuesOf(env: Readonly<Record<string, string>>): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === '') continue;
    if (isSecretName(name) || looksLikeSecretValue(value)) found.push(value);
    for (const match of value.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^/?#@:\s]*:([^/?#@\s]+)@/gi)) found.push(decodeSafe(match[1]!), match[1]!);
  }
  return found;
}
