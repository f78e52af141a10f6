/**
 * The running stack's events for an MCP client: followed from the control API while the server
 * runs (reconnecting when a stack comes up later), each one described in a line and kept in a
 * small window. Listeners hear of every new event: the server turns them into `notifications/message`
 * log lines and `resources/updated` for the events resource, so an agent can wait for "ready"
 * instead of polling. Service output is left out (the logs tool has it).
 */
import type { ControlClient } from '../control/client.js';
import { describeEvent } from '../supervisor/describe-event.js';
import type { StampedEvent } from '../supervisor/events.js';
import { sleep } from '../util/sleep.js';

export interface FeedEntry {
  readonly seq: number;
  readonly time: string;
  readonly type: StampedEvent['type'];
  readonly service?: string | undefined;
  /** The line devstack's terminal shows for it. */
  readonly text: string;
  /** error for failures, warning for warnings, info otherwise. */
  readonly level: 'info' | 'warning' | 'error';
}

const KEPT = 200;
const RECONNECT_MS = 1000;

export class EventFeed {
  readonly #client: ControlClient;
  readonly #entries: FeedEntry[] = [];
  readonly #listeners = new Set<(entry: FeedEntry) => void>();
  readonly #stop = new AbortController();

  constructor(client: ControlClient) {
    this.#client = client;
  }

  get entries(): readonly FeedEntry[] {
    return this.#entries;
  }

  onEntry(listener: (entry: FeedEntry) => void): void {
    this.#listeners.add(listener);
  }

  /** Follows until close(): the current run's kept events first, then live ones; again for the next run. */
  start(): void {
    void (async () => {
      let lastSeq = 0;
      let runId: string | undefined;
      while (!this.#stop.signal.aborted) {
        const opened = await this.#client.events({ since: 0, follow: true, signal: this.#stop.signal });
        if (opened.ok) {
          for await (const event of opened.value) {
            if (event.type === 'run-started' && event.runId !== runId) {
              runId = event.runId; // a new supervisor numbers from 1 again
              lastSeq = 0;
            }
            if (event.seq <= lastSeq) continue;
            lastSeq = event.seq;
            this.#add(event);
          }
        }
        await sleep(RECONNECT_MS, this.#stop.signal);
      }
    })();
  }

  close(): void {
    this.#stop.abort();
  }

  #add(event: StampedEvent): void {
    if (event.type === 'output') return;
    const line = describeEvent(event);
    if (line === undefined) return;
    const entry: FeedEntry = {
      seq: event.seq,
      time: new Date(event.time).toISOString(),
      type: event.type,
      service: 'service' in event && typeof event.service === 'string' ? event.service : undefined,
      text: line.text,
      level: line.tone === 'error' ? 'error' : line.tone === 'warn' ? 'warning' : 'info',
    };
    this.#entries.push(entry);
    if (this.#entries.length > KEPT) this.#entries.splice(0, this.#entries.length - KEPT);
    for (const listener of this.#listeners) listener(entry);
  }
}
