/**
 * The virtualised log view: however many lines match, the DOM holds only the rows that fit on the
 * screen (plus a few), refilled on scroll in one animation frame. A spacer gives the scrollbar its
 * length; past what browsers allow an element to be tall, scroll positions map onto lines
 * proportionally. Follow mode keeps the newest line in view until the user scrolls up.
 */
import { appendAnsi } from './ansi.js';
import { parseJsonLine, type JsonLine } from './json-line.js';
import { STREAMS, type LogStore } from './log-store.js';

const ROW_HEIGHT = 18;
/** Firefox caps an element's height near 17.8 million px; Chrome near 33 million. */
const MAX_SPACER_PX = 15_000_000;
const EXTRA_ROWS = 4;

export class LogView {
  readonly #store: LogStore;
  readonly #root: HTMLElement;
  readonly #spacer: HTMLElement;
  readonly #rows: HTMLElement;
  readonly #details: HTMLElement;
  #pool: HTMLElement[] = [];
  #scheduled = false;
  #selected: number | undefined;
  #programmaticScroll = false;
  /** Keep the newest line in view. */
  follow = true;
  onFollowChange: (follow: boolean) => void = () => undefined;
  #jsonCache = new Map<number, JsonLine | null>();

  constructor(store: LogStore, root: HTMLElement, details: HTMLElement) {
    this.#store = store;
    this.#root = root;
    this.#spacer = root.querySelector<HTMLElement>('.log-spacer')!;
    this.#rows = root.querySelector<HTMLElement>('.log-rows')!;
    this.#details = details;
    root.addEventListener('scroll', () => {
      if (this.#programmaticScroll) {
        this.#programmaticScroll = false;
      } else {
        const atBottom = root.scrollTop + root.clientHeight >= root.scrollHeight - ROW_HEIGHT;
        if (atBottom !== this.follow) {
          this.follow = atBottom;
          this.onFollowChange(atBottom);
        }
      }
      this.schedule();
    });
    new ResizeObserver(() => this.schedule()).observe(root);
    this.#rows.addEventListener('click', (event) => {
      const row = (event.target as HTMLElement).closest<HTMLElement>('.log-row');
      if (row?.dataset['line'] !== undefined) this.#select(Number(row.dataset['line']));
    });
  }

  /** Redraw on the next frame (many batches of lines in one frame cost one redraw). */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    requestAnimationFrame(() => {
      this.#scheduled = false;
      this.#render();
    });
  }

  /** The filter changed or lines were dropped: cached parses refer to old indexes. */
  reset(): void {
    this.#jsonCache.clear();
    this.#selected = undefined;
    this.#details.hidden = true;
    this.schedule();
  }

  #render(): void {
    const count = this.#store.matches.length;
    const fullHeight = count * ROW_HEIGHT;
    const spacerHeight = Math.min(fullHeight, MAX_SPACER_PX);
    this.#spacer.style.height = `${spacerHeight}px`;
    const viewHeight = this.#root.clientHeight;
    const visible = Math.ceil(viewHeight / ROW_HEIGHT) + EXTRA_ROWS;
    if (this.follow && spacerHeight > viewHeight) {
      this.#programmaticScroll = this.#root.scrollTop !== spacerHeight - viewHeight;
      this.#root.scrollTop = spacerHeight - viewHeight;
    }
    const scrollTop = this.#root.scrollTop;
    let first: number;
    let offset: number;
    if (fullHeight <= MAX_SPACER_PX) {
      first = Math.floor(scrollTop / ROW_HEIGHT);
      offset = first * ROW_HEIGHT;
    } else {
      // Scaled: the scroll position is a fraction of the way through the lines.
      const fraction = scrollTop / Math.max(1, spacerHeight - viewHeight);
      first = Math.floor(fraction * Math.max(0, count - visible + EXTRA_ROWS));
      offset = scrollTop;
    }
    first = Math.max(0, Math.min(first, Math.max(0, count - 1)));
    this.#rows.style.transform = `translateY(${offset}px)`;
    while (this.#pool.length < visible) {
      const row = document.createElement('div');
      row.className = 'log-row';
      this.#rows.append(row);
      this.#pool.push(row);
    }
    for (let slot = 0; slot < this.#pool.length; slot++) {
      const row = this.#pool[slot]!;
      const position = first + slot;
      if (slot >= visible || position >= count) {
        row.hidden = true;
        continue;
      }
      row.hidden = false;
      const line = this.#store.matches[position]!;
      if (row.dataset['line'] === String(line) && row.dataset['dropped'] === String(this.#store.dropped)) {
        row.classList.toggle('selected', line === this.#selected);
        continue; // already shows this line
      }
      this.#fill(row, line);
    }
  }

  #json(line: number): JsonLine | undefined {
    let parsed = this.#jsonCache.get(line);
    if (parsed === undefined) {
      parsed = parseJsonLine(this.#store.texts[line]!) ?? null;
      if (this.#jsonCache.size > 5000) this.#jsonCache.clear();
      this.#jsonCache.set(line, parsed);
    }
    return parsed ?? undefined;
  }

  #fill(row: HTMLElement, line: number): void {
    const store = this.#store;
    row.dataset['line'] = String(line);
    row.dataset['dropped'] = String(store.dropped);
    row.className = `log-row ${STREAMS[store.streams[line]!]}${line === this.#selected ? ' selected' : ''}`;
    row.replaceChildren();
    const time = document.createElement('span');
    time.className = 'time';
    time.textContent = store.times[line]!.slice(11, 23);
    const service = document.createElement('span');
    service.className = 'svc';
    service.textContent = store.serviceNames[store.services[line]!]!;
    const text = document.createElement('span');
    text.className = 'text';
    const json = this.#json(line);
    if (json === undefined) {
      appendAnsi(text, store.texts[line]!);
    } else {
      if (json.level !== undefined) {
        const level = document.createElement('span');
        level.className = `level level-${json.level}`;
        level.textContent = json.level.toUpperCase();
        text.append(level);
      }
      appendAnsi(text, json.message);
      const keys = Object.keys(json.fields);
      if (keys.length > 0) {
        const fields = document.createElement('span');
        fields.className = 'fields';
        fields.textContent = `{${keys.length} field${keys.length === 1 ? '' : 's'}: ${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}} ▸`;
        text.append(fields);
      }
    }
    row.append(time, service, text);
  }

  #select(line: number): void {
    this.#selected = this.#selected === line ? undefined : line;
    const json = this.#selected === undefined ? undefined : this.#json(this.#selected);
    this.#details.hidden = json === undefined;
    if (json !== undefined)
      this.#details.textContent = JSON.stringify({ level: json.level, message: json.message, ...json.fields }, null, 2);
    for (const row of this.#pool) row.classList.toggle('selected', row.dataset['line'] === String(this.#selected));
  }

  /** How many rows are in the DOM: what the test checks to know the view is virtual. */
  get renderedRows(): number {
    return this.#pool.length;
  }
}
