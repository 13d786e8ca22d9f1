import { describe, expect, it } from 'vitest';
import { MinHeap } from '../src/util/min-heap.js';
import { seededRandom } from '../src/testing/fixtures.js';

interface TimeHeapEntry {
  readonly at: number;
  readonly id: string;
}

const byTimeThenId = (a: TimeHeapEntry, b: TimeHeapEntry): boolean => a.at < b.at || (a.at === b.at && a.id < b.id);

// Moved from store-memory (its TimeHeap is now this heap with a (time, id) order).
describe('MinHeap ordered by (time, id)', () => {
  it('pops entries by time, then by id, whatever the push order', () => {
    const next = seededRandom(7);
    const heap = new MinHeap<TimeHeapEntry>(byTimeThenId);
    const entries: TimeHeapEntry[] = Array.from({ length: 2_000 }, (_, i) => ({
      at: Math.floor(next() * 50),
      id: `id-${String(i).padStart(5, '0')}`,
    }));
    for (const entry of entries) heap.push(entry);
    expect(heap.size).toBe(2_000);
    const popped: TimeHeapEntry[] = [];
    for (let entry = heap.pop(); entry !== undefined; entry = heap.pop()) popped.push(entry);
    const expected = [...entries].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
    expect(popped).toEqual(expected);
    expect(heap.peek()).toBeUndefined();
  });

  it('retain drops entries and keeps heap order', () => {
    const heap = new MinHeap<TimeHeapEntry>(byTimeThenId);
    for (let i = 0; i < 100; i++) heap.push({ at: (i * 37) % 100, id: `x${i}` });
    heap.retain((entry) => entry.at % 2 === 0);
    expect(heap.size).toBe(50);
    heap.push({ at: 1, id: 'new' });
    const ats: number[] = [];
    for (let entry = heap.pop(); entry !== undefined; entry = heap.pop()) ats.push(entry.at);
    expect(ats).toEqual([0, 1, ...Array.from({ length: 49 }, (_, i) => (i + 1) * 2)]);
  });
});

describe('MinHeap with the default order', () => {
  it('pops by time, and items with the same time in insertion order', () => {
    const heap = new MinHeap<{ at: number; name: string }>();
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    names.forEach((name, i) => heap.push({ at: i % 2 === 0 ? 5 : 3, name }));
    const popped: string[] = [];
    for (let item = heap.pop(); item !== undefined; item = heap.pop()) popped.push(item.name);
    expect(popped).toEqual(['b', 'd', 'f', 'a', 'c', 'e']);
  });
});
