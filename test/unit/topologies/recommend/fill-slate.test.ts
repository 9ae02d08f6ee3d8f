import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SeededRandom } from '../../../../src/sim/random.js';
import { fillSlate } from '../../../../topologies/recommend/fill-slate.js';
import type { ScoredItem } from '../../../../topologies/recommend/scoring.js';
import type { CatalogItem } from '../../../../topologies/interest/item-catalog.js';

function scored(itemId: string, authorId: string, score: number): ScoredItem {
  const item = { itemId, authorId, category: 'c', tags: [], createdAt: 0, embedding: new Float32Array([1, 0]), fallback: false, codes: new Uint16Array(1) } satisfies CatalogItem;
  return { item, interest: score, authorValue: 0, freshness: 0, novelty: 0, score };
}

const group = (n: number, authors: number, prefix = 'i'): ScoredItem[] => Array.from({ length: n }, (_, k) => scored(`${prefix}${k}`, `a${k % authors}`, 1 - k / n));

describe('fillSlate', () => {
  test('the logged propensity of the first position is the frequency with which the item is drawn there', () => {
    const items = group(5, 5);
    const counts = new Map<string, number>();
    const propensity = new Map<string, number>();
    const draws = 40_000;
    const random = new SeededRandom(7);
    for (let d = 0; d < draws; d++) {
      const [first] = fillSlate([items], { slateSize: 1, exploration: 0.3, authorAllowed: () => true, random: () => random.next() });
      counts.set(first!.scored.item.itemId, (counts.get(first!.scored.item.itemId) ?? 0) + 1);
      propensity.set(first!.scored.item.itemId, first!.propensity);
    }
    for (const [id, count] of counts) assert.ok(Math.abs(count / draws - propensity.get(id)!) < 0.01, `${id}: ${count / draws} vs ${propensity.get(id)}`);
    assert.equal(propensity.get('i0'), 0.7 + 0.3 / 5);
  });

  test('groups are taken in turn, caps hold, no item twice, and the slate stops when nothing is eligible', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.integer(), (groupCount, perGroup, authors, cap, seed) => {
        const groups = Array.from({ length: groupCount }, (_, g) => group(perGroup, authors, `g${g}-`));
        const random = new SeededRandom(seed);
        const slate = fillSlate(groups, { slateSize: 10, exploration: 0.2, authorAllowed: (a, placed) => (placed.get(a) ?? 0) < cap, random: () => random.next() });
        const ids = slate.map((p) => p.scored.item.itemId);
        assert.equal(new Set(ids).size, ids.length);
        const byAuthor = new Map<string, number>();
        for (const p of slate) byAuthor.set(p.scored.item.authorId, (byAuthor.get(p.scored.item.authorId) ?? 0) + 1);
        for (const n of byAuthor.values()) assert.ok(n <= cap);
        // Counted directly: each author contributes as many items as it has, up to the cap.
        const itemsByAuthor = new Map<string, number>();
        for (const s of groups.flat()) itemsByAuthor.set(s.item.authorId, (itemsByAuthor.get(s.item.authorId) ?? 0) + 1);
        const allowed = [...itemsByAuthor.values()].reduce((sum, n) => sum + Math.min(n, cap), 0);
        assert.equal(slate.length, Math.min(10, allowed));
        for (const p of slate) assert.ok(p.propensity > 0 && p.propensity <= 1);
      }),
      { numRuns: 200 },
    );
  });

  test('each position draws as a plain filter of the eligible items would: the same items, propensities and counts for the same draws', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.double({ min: 0, max: 0.9, noNaN: true }), fc.integer(), (groupCount, perGroup, authors, cap, exploration, seed) => {
        const groups = Array.from({ length: groupCount }, (_, g) => group(perGroup, authors, `g${g % 2}-`));
        const authorAllowed = (a: string, placed: ReadonlyMap<string, number>): boolean => (placed.get(a) ?? 0) < cap;
        const draws = (): (() => number) => {
          const random = new SeededRandom(seed);
          return () => random.next();
        };
        const slate = fillSlate(groups, { slateSize: 10, exploration, authorAllowed, random: draws() });
        const reference = filteringFill(groups, 10, exploration, authorAllowed, draws());
        assert.deepEqual(slate.map((p) => [p.scored.item.itemId, p.propensity, p.candidates, p.exploited]), reference);
      }),
      { numRuns: 300 },
    );
  });
});

/** The slate drawn by filtering each group into a new array of its eligible items per position. */
function filteringFill(groups: readonly ScoredItem[][], slateSize: number, ε: number, authorAllowed: (a: string, placed: ReadonlyMap<string, number>) => boolean, random: () => number): Array<[string, number, number, boolean]> {
  const slate: Array<[string, number, number, boolean]> = [];
  const used = new Set<string>();
  const byAuthor = new Map<string, number>();
  let turn = 0;
  while (slate.length < slateSize) {
    let placed = false;
    for (let k = 0; k < groups.length && !placed; k++) {
      const g = (turn + k) % groups.length;
      const eligible = groups[g]!.filter((s) => !used.has(s.item.itemId) && authorAllowed(s.item.authorId, byAuthor));
      if (eligible.length === 0) continue;
      const index = random() < ε ? Math.floor(random() * eligible.length) : 0;
      const { item } = eligible[index]!;
      slate.push([item.itemId, (index === 0 ? 1 - ε : 0) + ε / eligible.length, eligible.length, index === 0]);
      used.add(item.itemId);
      byAuthor.set(item.authorId, (byAuthor.get(item.authorId) ?? 0) + 1);
      turn = g + 1;
      placed = true;
    }
    if (!placed) break;
  }
  return slate;
}
