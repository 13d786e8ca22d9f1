import { describe, expect, it } from 'vitest';
import { createIdGenerator } from '../src/index.js';
import { FakeClock } from '../src/testing/index.js';

describe('createIdGenerator', () => {
  it('makes unique UUID v7 ids that sort in creation order, within a millisecond and when the clock steps back', () => {
    const clock = new FakeClock('2026-06-01T00:00:00Z');
    const next = createIdGenerator(clock);
    const ids: string[] = [];
    for (let i = 0; i < 5000; i++) {
      if (i === 2000) clock.jump(-60_000);
      if (i === 3000) clock.jump(120_000);
      ids.push(next());
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.parse('2026-06-01T00:00:00Z'));
  });
});
