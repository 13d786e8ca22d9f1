/**
 * A binary min-heap of items with a time `at`. By default it orders by `at`, then insertion order
 * (the scheduler's local tasks: polls, back-offs, so that one timer can be armed to the earliest of
 * them). With `before`, it orders by that instead, e.g. (time, id) for `MemoryStore`'s due calls and
 * leases, where entries go stale and are dropped lazily (`retain` compacts them).
 */
export class MinHeap<T extends { readonly at: number }> {
  #items: { item: T; seq: number }[] = [];
  #seq = 0;
  readonly #before: (a: T, b: T) => boolean;

  /** An empty heap ordered by `before` (default: earlier `at`), then insertion order. */
  constructor(before: (a: T, b: T) => boolean = (a, b) => a.at < b.at) {
    this.#before = before;
  }

  /** Number of items (stale ones included, for a heap with lazy deletion). */
  get size(): number {
    return this.#items.length;
  }

  /** The earliest item, without removing it. */
  peek(): T | undefined {
    return this.#items[0]?.item;
  }

  /** Adds an item, in O(log n). */
  push(item: T): void {
    const items = this.#items;
    items.push({ item, seq: this.#seq++ });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) break;
      this.#swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns the earliest item, in O(log n). */
  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined) return undefined;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.#less(l, m)) m = l;
        if (r < items.length && this.#less(r, m)) m = r;
        if (m === i) break;
        this.#swap(i, m);
        i = m;
      }
    }
    return top.item;
  }

  /** Keeps only the items `keep` accepts and restores heap order, in O(n log n). */
  retain(keep: (item: T) => boolean): void {
    // An array sorted by the heap's order is a valid heap.
    this.#items = this.#items.filter((entry) => keep(entry.item)).sort((x, y) => (this.#lessEntry(x, y) ? -1 : this.#lessEntry(y, x) ? 1 : 0));
  }

  #less(a: number, b: number): boolean {
    return this.#lessEntry(this.#items[a]!, this.#items[b]!);
  }

  #lessEntry(x: { item: T; seq: number }, y: { item: T; seq: number }): boolean {
    return this.#before(x.item, y.item) || (!this.#before(y.item, x.item) && x.seq < y.seq);
  }

  #swap(a: number, b: number): void {
    const items = this.#items;
    const t = items[a]!;
    items[a] = items[b]!;
    items[b] = t;
  }
}
