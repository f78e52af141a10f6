import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream into lines without tearing: a partial line waits for the next chunk, and a
 * multi-byte character split across chunks is decoded whole. A line longer than `maxLineLength`
 * is cut into pieces so one endless line cannot grow memory without bound.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  readonly #maxLineLength: number;
  #partial = '';
  #plain = true;

  constructor(maxLineLength: number = 64 * 1024) {
    this.#maxLineLength = maxLineLength;
  }

  /**
   * Whether the lines of the last push hold only printable text and tabs: no carriage return,
   * escape sequence or other control character. Tested once per chunk (not per line): a 1M-line
   * burst then costs a few hundred regex scans of 64 KB instead of millions of small ones, and
   * consumers skip cleaning what is already plain.
   */
  get plain(): boolean {
    return this.#plain;
  }

  push(chunk: Buffer | string): string[] {
    const text = this.#partial + (typeof chunk === 'string' ? chunk : this.#decoder.write(chunk));
    this.#plain = !NOT_PLAIN.test(text);
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    while (this.#partial.length > this.#maxLineLength) {
      lines.push(this.#partial.slice(0, this.#maxLineLength));
      this.#partial = this.#partial.slice(this.#maxLineLength);
    }
    return this.#plain ? lines : lines.map(stripCarriageReturn);
  }

  /** The unterminated last line, if any (call when the stream ends). */
  flush(): string[] {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    return rest === '' ? [] : [stripCarriageReturn(rest)];
  }
}

// Anything but printable text, tabs and newlines (as util/terminal-text.ts's NEEDS_CLEANING, plus \r).
const NOT_PLAIN = /[\x00-\x08\x0b-\x1f\x7f\x9b]/;

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
