// What of a service's output may reach a shared view or a file: colours at most, never cursor or screen control.
import { describe, expect, it } from 'vitest';
import { cleanLine, cleanLines } from '../../src/util/terminal-text.js';

describe('cleaning terminal control out of service output', () => {
  it.each([
    ['\x1b[2J\x1b[3J\x1b[Hcleared', 'cleared', 'cleared'],
    ['\x1b[31mred\x1b[0m plain', '\x1b[31mred\x1b[0m plain', 'red plain'],
    ['\x1b[1;38;5;208morange\x1b[39m', '\x1b[1;38;5;208morange\x1b[39m', 'orange'],
    ['10%\r50%\r100%', '100%', '100%'],
    ['\x1b]0;title\x07text', 'text', 'text'],
    ['\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\', 'link', 'link'],
    ['bell\x07 and back\x08space', 'bell and backspace', 'bell and backspace'],
    ['\x1b[1A\x1b[2Kup', 'up', 'up'],
    ['\x1bcreset', 'reset', 'reset'],
    ['tab\tstays', 'tab\tstays', 'tab\tstays'],
    ['stray \x1b escape', 'stray  escape', 'stray  escape'],
  ])('%j', (line, withColors, plain) => {
    expect(cleanLine(line, true)).toBe(withColors);
    expect(cleanLine(line, false)).toBe(plain);
  });

  it('returns the same array when there is nothing to clean (the common case costs one test)', () => {
    const lines = ['a', 'b'];
    expect(cleanLines(lines, false)).toBe(lines);
  });
});
