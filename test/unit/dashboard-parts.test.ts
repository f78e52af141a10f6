// The dashboard's pure parts: the request guard, the timeline's restarts and critical path, the
// page's log store (filters over columns), JSON log lines and ANSI stripping.
import { describe, expect, it } from 'vitest';
import { checkRequest } from '../../src/dashboard/request-guard.js';
import { stripAnsi } from '../../src/dashboard/ui/ansi.js';
import { parseJsonLine } from '../../src/dashboard/ui/json-line.js';
import { LogStore } from '../../src/dashboard/ui/log-store.js';
import type { StampedEvent, SupervisorEvent } from '../../src/supervisor/events.js';
import { criticalPath, restartSpans, type StartupTimeline } from '../../src/supervisor/timeline.js';

describe('the dashboard request guard', () => {
  const token = 'a-token-of-this-run';
  const allowed = { host: '127.0.0.1:7410', origin: undefined, fetchSite: undefined, token };
  it('lets the page and its own requests through', () => {
    expect(checkRequest(allowed, 7410, token)).toEqual({ type: 'allowed' });
    expect(
      checkRequest({ ...allowed, host: 'localhost:7410', origin: 'http://localhost:7410', fetchSite: 'same-origin' }, 7410, token).type,
    ).toBe('allowed');
    expect(checkRequest({ ...allowed, fetchSite: 'none' }, 7410, token).type).toBe('allowed');
  });
  it.each([
    ['no token', { token: undefined }, 401],
    ['a wrong token of the same length', { token: 'a-token-of-this-ru_' }, 401],
    ['a prefix of the token', { token: 'a-token' }, 401],
    ['a rebound host name', { host: 'evil.example:7410' }, 403],
    ['another port', { host: '127.0.0.1:7411' }, 403],
    ['no Host', { host: undefined }, 403],
    ['another origin', { origin: 'http://localhost:5173' }, 403],
    ['the null origin of a sandboxed frame', { origin: 'null' }, 403],
    ['a cross-site request', { fetchSite: 'cross-site' }, 403],
    ['a same-site request from another port', { fetchSite: 'same-site' }, 403],
  ])('refuses %s', (_name, change, status) => {
    const verdict = checkRequest({ ...allowed, ...change }, 7410, token);
    expect(verdict).toMatchObject({ type: 'refused', status });
  });
});

const stamp = (events: SupervisorEvent[]): StampedEvent[] =>
  events.map((event, index) => ({ ...event, seq: index + 1, time: 1000 + index * 100 }));

describe('restart spans', () => {
  it('pairs each restart with its ready, keeps the open one open, and keeps the latest', () => {
    const spans = restartSpans(
      stamp([
        { type: 'restarting', service: 'api', cause: { type: 'change', file: 'src/a.ts' } },
        { type: 'restarting', service: 'web', cause: { type: 'dependency', service: 'api' } },
        { type: 'restarted', service: 'api', cause: { type: 'change', file: 'src/a.ts' }, readyInMs: 150 },
        { type: 'restarting', service: 'api', cause: { type: 'manual' } },
      ]),
    );
    expect(spans).toEqual([
      { service: 'api', cause: 'change', detail: 'src/a.ts', startedAt: 1000, readyAt: 1200 },
      { service: 'web', cause: 'dependency', detail: 'api', startedAt: 1100, readyAt: undefined },
      { service: 'api', cause: 'manual', detail: undefined, startedAt: 1300, readyAt: undefined },
    ]);
    expect(restartSpans(stamp([{ type: 'restarting', service: 'a', cause: { type: 'manual' } }]), 0)).toEqual([]);
  });
});

describe('the critical path', () => {
  const entry = (service: string, endMs: number | undefined, waitedOn: string[] = []) => ({
    service,
    waitedOn,
    startMs: 0,
    endMs,
    outcome: 'ready' as const,
  });
  it('walks back from the last ready through the dependency ready last', () => {
    const timeline: StartupTimeline = {
      startedAt: 0,
      totalMs: 900,
      services: [
        entry('db', 300),
        entry('cache', 500),
        entry('auth', 200),
        entry('api', 700, ['db', 'cache', 'auth']),
        entry('web', 900, ['api']),
        entry('docs', 100),
      ],
    };
    expect(criticalPath(timeline)).toEqual(['web', 'api', 'cache']);
    expect(criticalPath({ startedAt: 0, totalMs: undefined, services: [entry('a', undefined)] })).toEqual([]);
  });
});

describe('the log store', () => {
  const rows = (): [string, string, string, string][] => [
    ['2026-01-01T00:00:00.000Z', 'api', 'out', 'listening on 3000'],
    ['2026-01-01T00:00:00.001Z', 'api', 'err', '\x1b[31mError\x1b[0m: boom'],
    ['2026-01-01T00:00:00.002Z', 'web', 'out', 'GET / 200'],
    ['2026-01-01T00:00:00.003Z', 'web', 'sys', 'web ready in 12 ms'],
  ];
  it('filters by service, stream, text (case-insensitive, colours ignored) and regex, old lines and new', () => {
    const store = new LogStore();
    store.append(rows());
    expect(store.matches).toEqual([0, 1, 2, 3]);
    store.setFilter({ service: 'api', stream: '', query: '', regex: false });
    expect(store.matches).toEqual([0, 1]);
    store.setFilter({ service: '', stream: 'err', query: '', regex: false });
    expect(store.matches).toEqual([1]);
    store.setFilter({ service: '', stream: '', query: 'ERROR: boom', regex: false });
    expect(store.matches).toEqual([1]);
    store.setFilter({ service: '', stream: '', query: '^(GET|listening) ', regex: true });
    expect(store.matches).toEqual([0, 2]);
    expect(store.append([['2026-01-01T00:00:01.000Z', 'web', 'out', 'GET /x 404']])).toBe(1);
    expect(store.matches).toEqual([0, 2, 4]);
    store.setFilter({ service: '', stream: '', query: '(unclosed', regex: true });
    expect(store.matches).toEqual([]);
    expect(store.invalid).toMatch(/Invalid regular expression/);
    expect(store.tailOf('api', 5)).toEqual(['listening on 3000', 'Error: boom']);
  });
  it('drops the oldest tenth past its bound, and the filter indexes follow', () => {
    const store = new LogStore();
    const many: [string, string, string, string][] = [];
    for (let i = 0; i < 1_200_001; i++) many.push(['t', i % 2 === 0 ? 'a' : 'b', 'out', `line ${i}`]);
    store.setFilter({ service: 'a', stream: '', query: '', regex: false });
    store.append(many);
    expect(store.size).toBe(1_200_001 - 120_000);
    expect(store.dropped).toBe(120_000);
    expect(store.texts[store.matches[0]!]).toBe('line 120000');
    expect(store.matches.length).toBe(540_001);
  });
});

describe('structured log lines', () => {
  it('finds level and message as pino, winston and zap write them, and leaves other lines alone', () => {
    expect(parseJsonLine('{"level":30,"time":1,"msg":"listening","port":3000}')).toEqual({
      level: 'info',
      message: 'listening',
      fields: { time: 1, port: 3000 },
    });
    expect(parseJsonLine('{"level":"WARN","message":"slow","ms":900}')).toEqual({ level: 'warn', message: 'slow', fields: { ms: 900 } });
    expect(parseJsonLine('{"severity":"ERROR","msg":{"code":1}}')).toEqual({ level: 'error', message: '{"code":1}', fields: {} });
    expect(parseJsonLine('{not json}')).toBeUndefined();
    expect(parseJsonLine('[1,2]')).toBeUndefined();
    expect(parseJsonLine('plain text')).toBeUndefined();
  });
  it('strips colours and other escapes for matching', () => {
    expect(stripAnsi('\x1b[1;38;5;208mwarm\x1b[0m \x1b]0;title\x07done')).toBe('warm done');
  });
});
