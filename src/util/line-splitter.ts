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

  constructor(maxLineLength: number = 64 * 1024) {
    this.#maxLineLength = maxLineLength;
  }

  push(chunk: Buffer | string): string[] {
    const text = this.#partial + (typeof chunk === 'string' ? chunk : this.#decoder.write(chunk));
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    while (this.#partial.length > this.#maxLineLength) {
      lines.push(this.#partial.slice(0, this.#maxLineLength));
      this.#partial = this.#partial.slice(this.#maxLineLength);
    }
    return lines.map(stripCarriageReturn);
  }

  /** The unterminated last line, if any (call when the stream ends). */
  flush(): string[] {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    return rest === '' ? [] : [stripCarriageReturn(rest)];
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
