// Secret detection: by name (word by word), by value shape, and inside URLs; and the redactor that
// masks a stack's known secret values wherever they end up in devstack's own messages.
import { describe, expect, it } from 'vitest';
import { isSecretName, looksLikeSecretValue, maskUrl, maskUrlsIn, maskValue, Redactor, secretValuesOf } from '../../src/util/secrets.js';

describe('secret names', () => {
  it.each([
    ['STRIPE_SK', true],
    ['GITHUB_PAT', true],
    ['JWT', true],
    ['MY_PASS', true],
    ['SIGNING_SALT', true],
    ['PGPASSWORD', true],
    ['DB_PASSWD', true],
    ['CLIENT_SECRET', true],
    ['apiKey', true],
    ['AWS_ACCESS_KEY_ID', true],
    ['SESSION_COOKIE', true],
    ['SENTRY_DSN', true],
    ['AUTH', true],
    ['x-api-token', true],
    ['AUTH_SERVICE_URL', false],
    ['TOKEN_ENDPOINT', false],
    ['KEY_FILE', false],
    ['KEYBOARD', false],
    ['PASSENGER_COUNT', false],
    ['AUTHOR', false],
    ['MONKEY', false],
    ['PORT', false],
    ['NODE_ENV', false],
  ])('%s → %s', (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });
});

describe('secret values', () => {
  it.each([
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl', true],
    ['sk_live_51HxYzAbCdEfGhIjKl', true],
    ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', true],
    ['github_pat_11ABCDEFG0123456789_abcdefghijklmnop', true],
    ['xoxb-1234567890-abcdefghij', true],
    ['AKIAIOSFODNN7EXAMPLE', true],
    ['npm_abcdefghijklmnopqrstuvwxyz0123456789', true],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIE', true],
    ['Zx8vQ2mN7pL4kR9sT1wY6bC3dF5gH0jK', true],
    ['3f786850e387550fdab836ed7e6dc881de23001b', false], // a git hash
    ['development', false],
    ['http://127.0.0.1:8001', false],
    ['/usr/local/lib/node_modules/some-package-name', false],
    ['123e4567-e89b-12d3-a456-426614174000', false], // a UUID
  ])('%s → %s', (value, secret) => {
    expect(looksLikeSecretValue(value)).toBe(secret);
  });
});

describe('URLs', () => {
  it.each([
    ['postgres://app:hunter2@127.0.0.1:5432/app', 'postgres://app:****@127.0.0.1:5432/app'],
    ['https://hooks.example.com/in?token=t0k3n&plain=yes', 'https://hooks.example.com/in?token=****&plain=yes'],
    ['https://x.example/a?api_key=1&sig=2&page=3', 'https://x.example/a?api_key=****&sig=****&page=3'],
    ['https://x.example/a?X-Amz-Signature=abc', 'https://x.example/a?X-Amz-Signature=****'],
    ['https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r.git', 'https://****@github.com/o/r.git'],
    ['redis://:pw@127.0.0.1:6379', 'redis://:****@127.0.0.1:6379'],
    ['http://127.0.0.1:8001/health', 'http://127.0.0.1:8001/health'],
  ])('%s → %s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });

  it('masks URLs inside a sentence, keeping the punctuation after them', () => {
    expect(maskUrlsIn('GET http://a:b@h:1/x?key=k: connection refused')).toBe('GET http://a:****@h:1/x?key=****: connection refused');
  });

  it('shows env values masked by name, by shape and inside URLs', () => {
    expect(maskValue('DB_PASSWORD', 'x')).toBe('****');
    expect(maskValue('WHATEVER', 'sk_live_51HxYzAbCdEfGhIjKl')).toBe('****');
    expect(maskValue('DATABASE_URL', 'postgres://a:b@h/d')).toBe('postgres://a:****@h/d');
    expect(maskValue('EMPTY_SECRET', '')).toBe('');
  });
});

describe('redactor', () => {
  it("masks a stack's secret values anywhere in a text, longest first, but not ordinary words", () => {
    const env = { DB_PASSWORD: 'hunter2-secret', TOKEN: 'abc', DATABASE_URL: 'postgres://app:p%40ss-word@h/d', NAME: 'api' };
    const redactor = new Redactor(secretValuesOf(env), ['postgres']);
    expect(redactor.redact('login hunter2-secret failed for p@ss-word and abc')).toBe('login **** failed for **** and abc');
    expect(redactor.redactDeep({ message: 'x hunter2-secret', list: ['hunter2-secret'], n: 1 })).toEqual({
      message: 'x ****',
      list: ['****'],
      n: 1,
    });
  });
});
