/**
 * Every log line the page has received, as columns (no object per line: a million lines cost
 * their strings and a few numbers each), and the indexes of the lines the current filter keeps.
 * New lines are matched as they arrive; a filter change matches everything once.
 */
import { stripAnsi } from './ansi.js';

export const STREAMS = ['out', 'err', 'sys'] as const;
export type StreamName = (typeof STREAMS)[number];

export interface LogFilter {
  /** Empty: every service. */
  readonly service: string;
  /** Empty: every stream. */
  readonly stream: '' | StreamName;
  readonly query: string;
  readonly regex: boolean;
}

/** Past this, the oldest tenth is dropped: the page's memory stays bounded however long the tab is open. */
export const MAX_LINES = 1_200_000;

export class LogStore {
  readonly times: string[] = [];
  readonly services: number[] = [];
  readonly streams: number[] = [];
  readonly texts: string[] = [];
  readonly serviceNames: string[] = [];
  /** Indexes into the columns of the lines that pass the filter, in order. */
  matches: number[] = [];
  /** Lines dropped from the front so far (the columns' index 0 is line `dropped`). */
  dropped = 0;
  #serviceIndex = new Map<string, number>();
  #filter: LogFilter = { service: '', stream: '', query: '', regex: false };
  #test: (index: number) => boolean = () => true;
  /** Set when the filter's regex does not compile: the view says so. */
  invalid: string | undefined;

  get size(): number {
    return this.texts.length;
  }

  serviceId(name: string): number {
    let id = this.#serviceIndex.get(name);
    if (id === undefined) {
      id = this.serviceNames.length;
      this.serviceNames.push(name);
      this.#serviceIndex.set(name, id);
    }
    return id;
  }

  /** Appends `[time, service, stream, text]` rows; returns how many passed the filter. */
  append(rows: readonly (readonly [string, string, string, string])[]): number {
    let passed = 0;
    for (const [time, service, stream, text] of rows) {
      const index = this.texts.length;
      this.times.push(time);
      this.services.push(this.serviceId(service));
      this.streams.push(Math.max(0, STREAMS.indexOf(stream as StreamName)));
      this.texts.push(text);
      if (this.#test(index)) {
        this.matches.push(index);
        passed++;
      }
    }
    if (this.texts.length > MAX_LINES) this.#dropOldest(Math.floor(MAX_LINES / 10));
    return passed;
  }

  #dropOldest(count: number): void {
    this.times.splice(0, count);
    this.services.splice(0, count);
    this.streams.splice(0, count);
    this.texts.splice(0, count);
    this.dropped += count;
    this.matches = this.matches.filter((index) => index >= count).map((index) => index - count);
  }

  clear(): void {
    for (const column of [this.times, this.services, this.streams, this.texts]) column.length = 0;
    this.matches = [];
    this.dropped = 0;
  }

  setFilter(filter: LogFilter): void {
    this.#filter = filter;
    this.invalid = undefined;
    const serviceId = filter.service === '' ? -1 : this.serviceId(filter.service);
    const streamId = filter.stream === '' ? -1 : STREAMS.indexOf(filter.stream);
    let matchText: (text: string) => boolean = () => true;
    if (filter.query !== '') {
      if (filter.regex) {
        try {
          const pattern = new RegExp(filter.query, 'i');
          matchText = (text) => pattern.test(stripAnsi(text));
        } catch (error) {
          this.invalid = (error as Error).message;
          matchText = () => false;
        }
      } else {
        const needle = filter.query.toLowerCase();
        matchText = (text) => stripAnsi(text).toLowerCase().includes(needle);
      }
    }
    this.#test = (index) =>
      (serviceId === -1 || this.services[index] === serviceId) &&
      (streamId === -1 || this.streams[index] === streamId) &&
      matchText(this.texts[index]!);
    const matches: number[] = [];
    for (let index = 0; index < this.texts.length; index++) if (this.#test(index)) matches.push(index);
    this.matches = matches;
  }

  get filter(): LogFilter {
    return this.#filter;
  }

  /** The last `count` lines of one service, for a failed service's tail. */
  tailOf(service: string, count: number): string[] {
    const id = this.#serviceIndex.get(service);
    const found: string[] = [];
    if (id === undefined) return found;
    const stop = Math.max(0, this.texts.length - 200_000); // a quiet service's tail is not worth a scan of a million lines
    for (let index = this.texts.length - 1; index >= stop && found.length < count; index--)
      if (this.services[index] === id) found.unshift(stripAnsi(this.texts[index]!));
    return found;
  }
}
