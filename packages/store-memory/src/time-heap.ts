/** One entry of a {@link TimeHeap}: a time and the call it is about. */
export interface TimeHeapEntry {
  /** The time (epoch ms) the heap orders by. */
  readonly at: number;
  /** The call's id: entries with the same time come out in id order. */
  readonly id: string;
}

/**
 * A binary min-heap of (time, id) entries: earliest time first, then smallest id. The store uses
 * it with lazy deletion: it never removes an entry when a call changes, it pushes a new one and
 * checks each popped entry against the call (see `MemoryStore`).
 */
export class TimeHeap<E extends TimeHeapEntry = TimeHeapEntry> {
  #items: E[] = [];

  /** How many entries, stale ones included. */
  get size(): number {
    return this.#items.length;
  }

  /** The earliest entry without removing it, or `undefined` when empty. */
  peek(): E | undefined {
    return this.#items[0];
  }

  /** Adds an entry in O(log n). */
  push(entry: E): void {
    const items = this.#items;
    items.push(entry);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentEntry = items[parent] as E;
      if (!before(entry, parentEntry)) break;
      items[index] = parentEntry;
      index = parent;
    }
    items[index] = entry;
  }

  /** Removes and returns the earliest entry in O(log n), or `undefined` when empty. */
  pop(): E | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    const length = items.length;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && before(items[right] as E, items[left] as E)) child = right;
      const childEntry = items[child] as E;
      if (!before(childEntry, last)) break;
      items[index] = childEntry;
      index = child;
    }
    items[index] = last;
    return top;
  }

  /** Keeps only the entries `keep` accepts and restores heap order, in O(n log n). */
  retain(keep: (entry: E) => boolean): void {
    // An array sorted by (at, id) is a valid heap.
    this.#items = this.#items.filter(keep).sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  }
}

function before(a: TimeHeapEntry, b: TimeHeapEntry): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}
