/**
 * ANSI colours (SGR: bold, dim, italic, underline, the 16 colours, 256 and true colour) as spans;
 * every other escape sequence is dropped. Text goes in through textContent only, so a log line
 * can never become markup.
 */
const BASIC = ['#000000', '#cd3131', '#0dbc79', '#e5e510', '#2472c8', '#bc3fbc', '#11a8cd', '#e5e5e5'];
const BRIGHT = ['#666666', '#f14c4c', '#23d18b', '#f5f543', '#3b8eea', '#d670d6', '#29b8db', '#ffffff'];
// CSI … final byte, OSC … BEL/ST, and lone ESC + one char.
const ESCAPE = /\x1b(?:\[([0-9;:?]*)([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/g;

interface Style {
  fg?: string | undefined;
  bg?: string | undefined;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

function color256(n: number): string {
  if (n < 8) return BASIC[n]!;
  if (n < 16) return BRIGHT[n - 8]!;
  if (n >= 232) {
    const level = 8 + (n - 232) * 10;
    return `rgb(${level},${level},${level})`;
  }
  const index = n - 16;
  const channel = (value: number): number => (value === 0 ? 0 : 55 + value * 40);
  return `rgb(${channel(Math.floor(index / 36))},${channel(Math.floor(index / 6) % 6)},${channel(index % 6)})`;
}

function applySgr(style: Style, params: string): Style {
  const codes = params === '' ? [0] : params.split(/[;:]/).map((code) => Number(code) || 0);
  let next: Style = { ...style };
  for (let index = 0; index < codes.length; index++) {
    const code = codes[index]!;
    if (code === 0) next = {};
    else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 22) next.bold = next.dim = false;
    else if (code === 23) next.italic = false;
    else if (code === 24) next.underline = false;
    else if (code >= 30 && code <= 37) next.fg = BASIC[code - 30];
    else if (code >= 90 && code <= 97) next.fg = BRIGHT[code - 90];
    else if (code >= 40 && code <= 47) next.bg = BASIC[code - 40];
    else if (code >= 100 && code <= 107) next.bg = BRIGHT[code - 100];
    else if (code === 39) next.fg = undefined;
    else if (code === 49) next.bg = undefined;
    else if (code === 38 || code === 48) {
      const mode = codes[index + 1];
      let value: string | undefined;
      if (mode === 5) {
        value = color256(codes[index + 2] ?? 0);
        index += 2;
      } else if (mode === 2) {
        value = `rgb(${codes[index + 2] ?? 0},${codes[index + 3] ?? 0},${codes[index + 4] ?? 0})`;
        index += 4;
      }
      if (code === 38) next.fg = value;
      else next.bg = value;
    }
  }
  return next;
}

function styled(text: string, style: Style): Node {
  if (style.fg === undefined && style.bg === undefined && !style.bold && !style.dim && !style.italic && !style.underline)
    return document.createTextNode(text);
  const span = document.createElement('span');
  span.textContent = text;
  if (style.fg !== undefined) span.style.color = style.fg;
  if (style.bg !== undefined) span.style.backgroundColor = style.bg;
  if (style.bold) span.style.fontWeight = '700';
  if (style.dim) span.style.opacity = '0.7';
  if (style.italic) span.style.fontStyle = 'italic';
  if (style.underline) span.style.textDecoration = 'underline';
  return span;
}

export function hasEscapes(text: string): boolean {
  return text.includes('\x1b');
}

/** The text without escape sequences: what filters match against. */
export function stripAnsi(text: string): string {
  return hasEscapes(text) ? text.replace(ESCAPE, '') : text;
}

/** Appends `text` to `parent`, coloured as its SGR sequences say. */
export function appendAnsi(parent: HTMLElement, text: string): void {
  if (!hasEscapes(text)) {
    parent.append(text);
    return;
  }
  let style: Style = {};
  let last = 0;
  ESCAPE.lastIndex = 0;
  for (let match = ESCAPE.exec(text); match !== null; match = ESCAPE.exec(text)) {
    if (match.index > last) parent.append(styled(text.slice(last, match.index), style));
    if (match[2] === 'm') style = applySgr(style, match[1] ?? '');
    last = ESCAPE.lastIndex;
  }
  if (last < text.length) parent.append(styled(text.slice(last), style));
}
