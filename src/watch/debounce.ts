/** Trailing-edge debounce: fires once, with everything pushed, after `delayMs` without a push. */
import { systemClock, type Clock } from '../util/clock.js';

export interface Debouncer<T> {
  push(item: T): void;
  cancel(): void;
}

export function createDebouncer<T>(delayMs: number, onFire: (items: T[]) => void, clock: Clock = systemClock): Debouncer<T> {
  let items: T[] = [];
  let timer: unknown;
  return {
    push(item) {
      items.push(item);
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = clock.setTimeout(() => {
        timer = undefined;
        const fired = items;
        items = [];
        onFire(fired);
      }, delayMs);
    },
    cancel() {
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      items = [];
    },
  };
}
