import { afterEach, describe, expect, it } from 'vitest';
import { call, FLAVORS, startHarness, type Harness } from './support/harness.js';

describe.each(FLAVORS)('pagination through %s', (flavor) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it.each(['asc', 'desc'] as const)('pages %s with no duplicates or gaps while calls are being added', async (order) => {
    h = await startHarness({ flavor, start: false });
    const before: string[] = [];
    for (let i = 0; i < 60; i++) {
      const res = await call(`${h.api}/calls`, { method: 'POST', json: { to: '+14155550123', at: '2026-04-01T10:00:00Z' } });
      before.push(res.body.id);
    }
    const seen: string[] = [];
    const added: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `limit=7&order=${order}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      // A new call is scheduled while each page is being read.
      const [page, extra] = await Promise.all([
        call(`${h.api}/calls?${query}`),
        call(`${h.api}/calls`, { method: 'POST', json: { to: '+442079460000', at: '2026-04-01T10:00:00Z' } }),
      ]);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.body.items.map((i: { id: string }) => i.id));
      added.push(extra.body.id);
      cursor = page.body.nextCursor;
      pages++;
      expect(pages).toBeLessThan(100);
    } while (cursor !== null);

    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before) expect(seen).toContain(id);
    const sorted = [...seen].sort();
    expect(seen).toEqual(order === 'asc' ? sorted : sorted.reverse());
    if (order === 'asc') {
      // Newer calls come after the cursor: the last pages see all but those added during the last read.
      const missingAdded = added.filter((id) => !seen.includes(id));
      expect(missingAdded.length).toBeLessThanOrEqual(1);
    } else {
      expect(seen.filter((id) => added.includes(id)).length).toBeLessThanOrEqual(1);
    }
  });
});
