// Following a log across rotations, on real files: the writer here is the test itself (renames and
// appends done synchronously, so the follower cannot look in between), which is what a fast
// service with a tiny maxSize does to a follower on a busy machine.
import { appendFileSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { followLog, logPosition, readAllChunks } from '../../src/logs/tail.js';
import { waitFor } from '../helpers/wait.js';

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function lines(from: number, to: number): string {
  return Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}\n`).join('');
}

/** What the writer does at maxSize: shift the rotated files up by one (dropping beyond `keep`), then start anew. */
function rotate(path: string, keep: number): void {
  try {
    unlinkSync(`${path}.${keep}`);
  } catch {
    // fewer than `keep` so far
  }
  for (let index = keep - 1; index >= 1; index--) {
    try {
      renameSync(`${path}.${index}`, `${path}.${index + 1}`);
    } catch {
      // not there yet
    }
  }
  renameSync(path, `${path}.1`);
  writeFileSync(path, '');
}

describe('following a log', () => {
  it('reads the file in between when the log rotated twice between two looks', async () => {
    dir = mkdtempSync(join(tmpdir(), 'devstack-follow-'));
    const path = join(dir, 'api.log');
    writeFileSync(path, lines(1, 10));
    const seen: string[] = [];
    const stop = new AbortController();
    const following = followLog(path, logPosition(path), (batch) => void seen.push(...batch), stop.signal);

    appendFileSync(path, lines(11, 20));
    await waitFor(() => seen.includes('line 20'), 'the first appended lines');
    // Two rotations in one go: 21–30 end up in api.log.1 only, never in the file at the path.
    appendFileSync(path, lines(21, 25));
    rotate(path, 3);
    appendFileSync(path, lines(26, 30));
    rotate(path, 3);
    appendFileSync(path, lines(31, 40));
    await waitFor(() => seen.includes('line 40'), 'the lines after both rotations');
    stop.abort();
    await following;
    expect(seen).toEqual(lines(11, 40).trimEnd().split('\n'));
  });

  it('reads its own file to the end though it was deleted beyond keep, then the oldest one left', async () => {
    dir = mkdtempSync(join(tmpdir(), 'devstack-follow-'));
    const path = join(dir, 'api.log');
    writeFileSync(path, '');
    const seen: string[] = [];
    const stop = new AbortController();
    const following = followLog(path, logPosition(path), (batch) => void seen.push(...batch), stop.signal);
    appendFileSync(path, lines(1, 5));
    await waitFor(() => seen.includes('line 5'), 'the first lines');
    appendFileSync(path, lines(6, 7));
    rotate(path, 1); // ours becomes api.log.1
    appendFileSync(path, lines(8, 9));
    rotate(path, 1); // ours is deleted; 8–9 are in api.log.1
    appendFileSync(path, lines(10, 12));
    await waitFor(() => seen.includes('line 12'), 'the newest lines');
    stop.abort();
    await following;
    // The open descriptor still reads the deleted file (6–7); then api.log.1 (8–9) and the new one.
    expect(seen).toEqual(lines(1, 12).trimEnd().split('\n'));
  });

  it('prints the history up to where it ended and follows from there, with rotations in between: every line once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'devstack-follow-'));
    const path = join(dir, 'api.log');
    writeFileSync(path, lines(1, 10));
    const until = logPosition(path);
    // The writer goes on before the history is read: two more files.
    appendFileSync(path, lines(11, 12));
    rotate(path, 3);
    appendFileSync(path, lines(13, 15));
    rotate(path, 3);
    appendFileSync(path, lines(16, 18));
    const history: string[] = [];
    await readAllChunks(path, (chunk) => void history.push(...chunk.toString().trimEnd().split('\n')), until);
    expect(history).toEqual(lines(1, 10).trimEnd().split('\n'));
    const seen: string[] = [];
    const stop = new AbortController();
    const following = followLog(path, until, (batch) => void seen.push(...batch), stop.signal);
    await waitFor(() => seen.includes('line 18'), 'the lines after the history');
    stop.abort();
    await following;
    expect([...history, ...seen]).toEqual(lines(1, 18).trimEnd().split('\n'));
  });

  it('when the file where the history was to end is gone, follows from where the history did end', async () => {
    dir = mkdtempSync(join(tmpdir(), 'devstack-follow-'));
    const path = join(dir, 'api.log');
    writeFileSync(path, lines(1, 5));
    const until = logPosition(path);
    // Two rotations with keep 1: the file of `until` is deleted before the history is read.
    appendFileSync(path, lines(6, 7));
    rotate(path, 1);
    appendFileSync(path, lines(8, 10));
    rotate(path, 1);
    appendFileSync(path, lines(11, 12));
    const history: string[] = [];
    const ended = await readAllChunks(path, (chunk) => void history.push(...chunk.toString().trimEnd().split('\n')), until);
    expect(history).toEqual(lines(8, 12).trimEnd().split('\n'));
    const seen: string[] = [];
    const stop = new AbortController();
    const following = followLog(path, ended, (batch) => void seen.push(...batch), stop.signal);
    appendFileSync(path, lines(13, 14));
    await waitFor(() => seen.includes('line 14'), 'the new lines');
    stop.abort();
    await following;
    expect(seen).toEqual(['line 13', 'line 14']); // nothing of the history again
  });
});
