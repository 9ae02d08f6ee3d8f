import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { catalogCoverage, hitRateAtK, meanNovelty, ndcgAtK } from '../../../src/eval/ranking-metrics.js';
import { ReplayBaselines } from '../../../src/eval/baselines.js';
import { planReplay } from '../../../src/eval/replay-plan.js';
import type { Interaction } from '../../../src/eval/interaction-log.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `expected ${expected}, got ${actual}`);

describe('ranking metrics by hand', () => {
  test('HR@k: any relevant item in the first k', () => {
    assert.equal(hitRateAtK(['a', 'b', 'c'], new Set(['c']), 3), 1);
    assert.equal(hitRateAtK(['a', 'b', 'c'], new Set(['c']), 2), 0);
    assert.equal(hitRateAtK([], new Set(['c']), 10), 0);
  });

  test('NDCG@k with binary gains', () => {
    // relevant at rank 2: (1/log2 3) / 1
    close(ndcgAtK(['a', 'b', 'c'], new Set(['b']), 10), 1 / Math.log2(3));
    // relevant at ranks 1 and 3: (1 + 1/2) / (1 + 1/log2 3)
    close(ndcgAtK(['a', 'b', 'c'], new Set(['a', 'c']), 10), 1.5 / (1 + 1 / Math.log2(3)));
    // the ideal list is capped at k: 3 relevant, k = 1, relevant first → 1
    close(ndcgAtK(['x', 'y'], new Set(['x', 'y', 'z']), 1), 1);
    // a repeated relevant item counts once
    close(ndcgAtK(['a', 'a'], new Set(['a', 'b']), 10), 1 / (1 + 1 / Math.log2(3)));
    assert.equal(ndcgAtK(['a'], new Set(), 10), 0);
  });

  test('property: NDCG in [0, 1], 1 exactly when the relevant items come first; HR ≥ NDCG > 0 together', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { maxLength: 15 }), fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 8 }), (list, rel) => {
        const recommended = list.map(String);
        const relevant = new Set(rel.map(String));
        const n = ndcgAtK(recommended, relevant, 10);
        const h = hitRateAtK(recommended, relevant, 10);
        assert.ok(n >= 0 && n <= 1 + 1e-12);
        assert.equal(h > 0, n > 0);
        const ideal = [...relevant, ...recommended.filter((r) => !relevant.has(r))];
        close(ndcgAtK(ideal, relevant, 10), 1);
      }),
    );
  });

  test('coverage and novelty', () => {
    close(catalogCoverage([['a', 'b'], ['b', 'c']], 10), 0.3);
    // a: 1 of 4 users (2 bits), b: 4 of 4 (0 bits) → mean 1
    const users: Record<string, number> = { a: 1, b: 4 };
    close(meanNovelty([['a', 'b']], (i) => users[i] ?? 0, 4), 1);
  });
});

describe('replay on a tiny hand-made log', () => {
  const s = 1_000;
  const gap = 30 * 60_000;
  // u1 has two sessions; u2 and u3 one each. Strength ≥ 4 is positive.
  const log: Interaction[] = [
    { user: 'u1', item: 'i1', author: 'A', category: 'x', ts: 0 * s, strength: 5 },
    { user: 'u2', item: 'i1', author: 'A', category: 'x', ts: 10 * s, strength: 5 },
    { user: 'u2', item: 'i2', author: 'A', category: 'x', ts: 20 * s, strength: 4 },
    { user: 'u3', item: 'i3', author: 'B', category: 'y', ts: 30 * s, strength: 4 },
    { user: 'u3', item: 'i2', author: 'A', category: 'x', ts: 40 * s, strength: 4 },
    { user: 'u3', item: 'i4', author: 'B', category: 'y', ts: 50 * s, strength: 2 },
    // u1 comes back hours later: the request point; truth = {i3, i2} (i5 is negative)
    { user: 'u1', item: 'i3', author: 'B', category: 'y', ts: 4 * 3600 * s, strength: 5 },
    { user: 'u1', item: 'i5', author: 'C', category: 'z', ts: 4 * 3600 * s + 60 * s, strength: 1 },
    { user: 'u1', item: 'i2', author: 'A', category: 'x', ts: 4 * 3600 * s + 120 * s, strength: 4 },
  ];

  test('one request point per later session, with the positive items of the horizon as truth', () => {
    const { steps, points } = planReplay(log, { sessionGapMs: gap, horizon: 10, positiveAt: 4, minHistory: 1 });
    assert.equal(points.length, 1);
    assert.deepEqual([...points[0]!.relevant].sort(), ['i2', 'i3']);
    assert.equal(points[0]!.user, 'u1');
    assert.equal(points[0]!.history, 1);
    // the request comes right before the session's first interaction
    const at = steps.findIndex((step) => step.kind === 'request');
    assert.equal(steps[at + 1]!.kind === 'interaction' && steps[at + 1]!.kind, 'interaction');
    assert.equal(steps.length, log.length + 1);
    // a horizon of 1 keeps only the first interaction
    assert.deepEqual([...planReplay(log, { sessionGapMs: gap, horizon: 1, positiveAt: 4, minHistory: 1 }).points[0]!.relevant], ['i3']);
  });

  test('baselines at the request point: known HR@10 and NDCG@10', () => {
    const { steps } = planReplay(log, { sessionGapMs: gap, horizon: 10, positiveAt: 4, minHistory: 1 });
    const baselines = new ReplayBaselines(4);
    let popular: string[] = [];
    let recent: string[] = [];
    let relevant: ReadonlySet<string> = new Set();
    for (const step of steps) {
      if (step.kind === 'interaction') baselines.observe(step.interaction);
      else {
        popular = baselines.popular(step.point.user, 10);
        recent = baselines.recentAuthor(step.point.user, 10);
        relevant = step.point.relevant;
      }
    }
    // Positive counts before the point: i1 2, i2 2, i3 1 (i4 was negative). u1 saw i1.
    // Popularity: [i2, i3] → both relevant at ranks 1, 2 → HR 1, NDCG 1.
    assert.deepEqual(popular, ['i2', 'i3']);
    assert.equal(hitRateAtK(popular, relevant, 10), 1);
    close(ndcgAtK(popular, relevant, 10), 1);
    // Most recent author of u1 is A (i1): its unseen item i2 first, then popular fill i3.
    assert.deepEqual(recent, ['i2', 'i3']);
    // A list with the relevant items at ranks 2 and 3 of 3: (1/log2 3 + 1/2) / (1 + 1/log2 3)
    close(ndcgAtK(['i4', ...popular], relevant, 10), (1 / Math.log2(3) + 0.5) / (1 + 1 / Math.log2(3)));
  });
});
