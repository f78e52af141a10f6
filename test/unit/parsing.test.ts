import { describe, expect, it } from 'vitest';
import { DEFAULT_PROBE_TIMING } from '../../src/config/resolved.js';
import { nextDelayMs } from '../../src/health/wait-healthy.js';
import { formatLogLines, parseLogLine } from '../../src/logs/log-line.js';
import { formatPsTable, formatUptime } from '../../src/cli/render/ps-table.js';
import { parseDurationMs } from '../../src/util/duration.js';
import { LineSplitter } from '../../src/util/line-splitter.js';
import { parseCommandLine } from '../../src/util/shell-words.js';
import { suggestName } from '../../src/util/suggest.js';

describe('command lines', () => {
  it('runs plain commands without a shell', () => {
    expect(parseCommandLine('node  server.js --port 3000')).toEqual({ type: 'argv', file: 'node', args: ['server.js', '--port', '3000'] });
    expect(parseCommandLine(['node', 'a b.js'])).toEqual({ type: 'argv', file: 'node', args: ['a b.js'] });
  });

  it.each([
    'npm run build && npm start',
    'node a.js | tee out',
    'echo $HOME',
    "node 'a b.js'",
    'PORT=1 node a.js',
    'node *.js',
    'cd x; node a',
  ])('uses a shell for %s', (command) => {
    expect(parseCommandLine(command)).toEqual({ type: 'shell', script: command });
  });
});

describe('durations', () => {
  it.each([
    [500, 500],
    ['500ms', 500],
    ['2s', 2000],
    ['1.5m', 90000],
    ['1h', 3600000],
    ['  30 s ', 30000],
  ])('%s is %d ms', (input, expected) => expect(parseDurationMs(input)).toBe(expected));
  it.each(['2 days', '', '-1s', 'fast'])('rejects %s', (input) => expect(parseDurationMs(input)).toBeUndefined());
  it('rejects negative numbers', () => expect(parseDurationMs(-1)).toBeUndefined());
});

describe('line splitting', () => {
  it('never tears a line across chunks, including multi-byte characters', () => {
    const splitter = new LineSplitter();
    const bytes = Buffer.from('héllo\nwörld\r\npart');
    expect(splitter.push(bytes.subarray(0, 2))).toEqual([]);
    expect(splitter.push(bytes.subarray(2, 9))).toEqual(['héllo']);
    expect(splitter.push(bytes.subarray(9))).toEqual(['wörld']);
    expect(splitter.flush()).toEqual(['part']);
  });

  it('cuts an endless line into bounded pieces', () => {
    const splitter = new LineSplitter(4);
    expect(splitter.push('abcdefghij')).toEqual(['abcd', 'efgh']);
    expect(splitter.flush()).toEqual(['ij']);
  });
});

describe('probe back-off', () => {
  it('polls every 10 ms for the first second, then backs off to the interval', () => {
    expect(nextDelayMs('http', 0, DEFAULT_PROBE_TIMING)).toBe(10);
    expect(nextDelayMs('http', 900, DEFAULT_PROBE_TIMING)).toBe(10);
    expect(nextDelayMs('http', 2000, DEFAULT_PROBE_TIMING)).toBe(50);
    expect(nextDelayMs('tcp', 5000, DEFAULT_PROBE_TIMING)).toBe(200);
    expect(nextDelayMs('http', 60_000, DEFAULT_PROBE_TIMING)).toBe(1000);
    expect(nextDelayMs('http', 60_000, { ...DEFAULT_PROBE_TIMING, intervalMs: 250 })).toBe(250);
    expect(nextDelayMs('command', 0, DEFAULT_PROBE_TIMING)).toBe(50);
  });
});

describe('log lines', () => {
  it('round-trips the log file format', () => {
    const text = formatLogLines('2026-01-01T00:00:00.000Z', 'err', ['boom', 'a b  c']);
    expect(text).toBe('2026-01-01T00:00:00.000Z err boom\n2026-01-01T00:00:00.000Z err a b  c\n');
    expect(parseLogLine('2026-01-01T00:00:00.000Z err a b  c')).toEqual({
      time: '2026-01-01T00:00:00.000Z',
      source: 'err',
      text: 'a b  c',
    });
    expect(parseLogLine('just text')).toEqual({ time: '', source: 'out', text: 'just text' });
  });
});

describe('names and tables', () => {
  it('suggests close names only', () => {
    expect(suggestName('postgress', ['postgres', 'redis'])).toBe('postgres');
    expect(suggestName('web', ['postgres', 'redis'])).toBeUndefined();
  });

  it('formats ps', () => {
    expect(formatUptime(75_000)).toBe('1m15s');
    expect(formatUptime(7_380_000)).toBe('2h03m');
    expect(
      formatPsTable([
        { name: 'api', state: 'ready', pid: 12, port: 3000, uptimeMs: 5000, restarts: 1, cpuPercent: 2.5, memoryBytes: 47_500_000 },
        {
          name: 'worker',
          state: 'failed',
          pid: undefined,
          port: undefined,
          uptimeMs: undefined,
          restarts: 0,
          message: 'exited with code 2',
        },
      ]),
    ).toBe(
      [
        'NAME    STATE   PID  PORT  CPU   MEM    UPTIME  RESTARTS',
        'api     ready   12   3000  2.5%  45.3M  5s      1',
        'worker  failed  -    -     -     -      -       0',
        '',
        'worker: exited with code 2',
      ].join('\n'),
    );
  });
});
