/**
 * Numbers and times each event, hands it to every subscriber, and keeps the recent ones (service
 * output aside: it lives in the log files) so a client can resume a stream with `since`.
 * A subscriber may return a promise: the producer then waits (a log file that falls behind pauses
 * the service's pipes instead of devstack buffering without bound).
 */
import type { Clock } from '../util/clock.js';
import type { StampedEvent, SupervisorEvent, SupervisorListener } from './events.js';

const KEPT_EVENTS = 5000;

export class EventBus {
  readonly #listeners = new Set<SupervisorListener>();
  readonly #history: StampedEvent[] = [];
  readonly #clock: Clock;
  readonly #redact: (event: SupervisorEvent) => SupervisorEvent;
  #seq = 0;

  /** `redact` masks secrets in what devstack says (not in services' own output, which is theirs). */
  constructor(clock: Clock, redact: (event: SupervisorEvent) => SupervisorEvent = (event) => event) {
    this.#clock = clock;
    this.#redact = redact;
  }

  subscribe(listener: SupervisorListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: SupervisorEvent): Promise<void> | undefined {
    const shown = event.type === 'output' ? event : this.#redact(event);
    const stamped = { ...shown, seq: ++this.#seq, time: this.#clock.now() } as StampedEvent;
    if (event.type !== 'output') {
      this.#history.push(stamped);
      if (this.#history.length > KEPT_EVENTS * 1.2) this.#history.splice(0, this.#history.length - KEPT_EVENTS);
    }
    let pending: Promise<void>[] | undefined;
    for (const listener of this.#listeners) {
      const result = listener(stamped);
      if (result !== undefined) (pending ??= []).push(result);
    }
    return pending === undefined ? undefined : Promise.all(pending).then(() => undefined);
  }

  /** Kept events numbered after `seq`, oldest first. */
  since(seq: number): StampedEvent[] {
    const first = this.#history.findIndex((event) => event.seq > seq);
    return first === -1 ? [] : this.#history.slice(first);
  }

  get lastSeq(): number {
    return this.#seq;
  }
}
