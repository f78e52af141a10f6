/**
 * What of a service's output may reach a merged view or a file. A service writing to what it
 * thinks is its own terminal clears the screen (`nest start --watch` at every rebuild), moves the
 * cursor or redraws a progress bar with `\r`; in a view shared with other services that wipes
 * their lines. Colours (SGR sequences) are harmless there and may stay; everything else that
 * steers a terminal goes. Files get plain text.
 */

// Anything that is not printable text, a tab or a colour: escape sequences, C0/C1 controls, DEL.
const NEEDS_CLEANING = /[\x00-\x08\x0b-\x1f\x7f\x9b]/;
// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), and two-byte escapes (ESC c, ESC 7, charset selections).
const ESCAPE =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[()*+#][0-9A-Za-z]|\x1b[@-Z\\^_`a-z{|}~=>78]|\x9b[0-?]*[ -/]*[@-~]/g;
const SGR = /^(?:\x1b|\x9b)\[?[0-9;:]*m$/;
// Control characters left over, and an ESC that does not begin a colour kept above.
const CONTROL = /[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]|\x1b(?!\[[0-9;:]*m)/g;

/** True when `text` holds anything beyond printable characters and tabs (a cheap check per chunk). */
export function needsCleaning(text: string): boolean {
  return NEEDS_CLEANING.test(text);
}

/**
 * One line as a terminal would end up showing it, minus cursor and screen control: the text after
 * the last carriage return (a progress bar's final state), escape sequences removed except colours
 * when `keepColors`.
 */
export function cleanLine(line: string, keepColors: boolean): string {
  if (!NEEDS_CLEANING.test(line)) return line;
  const carriageReturn = line.lastIndexOf('\r');
  let text = carriageReturn === -1 ? line : line.slice(carriageReturn + 1);
  text = text.replace(ESCAPE, (sequence) => (keepColors && SGR.test(sequence) ? sequence : ''));
  return text.replace(CONTROL, '');
}

/** Lines with cleaning applied only when the chunk needs it (the common case costs one regex test). */
export function cleanLines(lines: readonly string[], keepColors: boolean): readonly string[] {
  if (!lines.some((line) => NEEDS_CLEANING.test(line))) return lines;
  return lines.map((line) => cleanLine(line, keepColors));
}
