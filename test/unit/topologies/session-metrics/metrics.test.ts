import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { entropyBits, normalizedUtility, slateDiversity } from '../../../../topologies/session-metrics/metrics.js';

const close = (actual: number | null | undefined, expected: number, message?: string) => {
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) < 1e-12, `${message ?? ''} expected ${expected}, got ${actual}`);
};

/** A trail in position order: entry i is the item first shown at position i, with its gain. */
const trailOf = (gains: readonly number[]): Array<[number, number]> => gains.map((gain, position) => [position, gain]);

describe('entropyBits', () => {
  test('[4,2,1,1] is 1.75 bits, as ClickHouse entropy() of A,A,A,A,B,B,C,D', () => {
    // -(1/2·log2 1/2 + 1/4·log2 1/4 + 2·1/8·log2 1/8) = 1/2 + 1/2 + 3/4
    assert.equal(entropyBits([4, 2, 1, 1]), 1.75);
  });

  test('uniform over n values is log2 n; one value is 0; nothing is 0', () => {
    assert.equal(entropyBits([3, 3]), 1);
    assert.equal(entropyBits([5, 5, 5, 5]), 2);
    close(entropyBits([1, 1, 1]), Math.log2(3));
    assert.equal(entropyBits([7]), 0);
    assert.equal(entropyBits([]), 0);
  });

  test('zero counts do not count; order does not matter; any iterable will do', () => {
    assert.equal(entropyBits([0, 4, 0, 2, 1, 1]), 1.75);
    assert.equal(entropyBits([1, 2, 1, 4]), 1.75);
    assert.equal(entropyBits(new Map([['a', 4], ['b', 2], ['c', 1], ['d', 1]]).values()), 1.75);
  });

  test('property: between 0 and log2 of the number of non-zero values', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000 }), { maxLength: 20 }), (counts) => {
        const h = entropyBits(counts);
        const k = counts.filter((c) => c > 0).length;
        assert.ok(h >= -1e-12 && h <= (k === 0 ? 0 : Math.log2(k)) + 1e-12, `${h} for ${counts}`);
      }),
    );
  });
});

describe('slateDiversity', () => {
  test('by hand', () => {
    // 4 items, categories a,a,b,c: 6 pairs, 1 of them same-category → 5/6 differ.
    close(slateDiversity([2, 1, 1]), 5 / 6);
    // a,a,a,b: 6 pairs, 3 same → 1/2.
    assert.equal(slateDiversity([3, 1]), 0.5);
    // all different → 1; all the same → 0.
    assert.equal(slateDiversity([1, 1, 1, 1]), 1);
    assert.equal(slateDiversity([5]), 0);
    // a,a,b,b: 6 pairs, 2 same → 2/3.
    close(slateDiversity([2, 2]), 2 / 3);
  });

  test('undefined below two items', () => {
    assert.equal(slateDiversity([]), undefined);
    assert.equal(slateDiversity([1]), undefined);
    assert.equal(slateDiversity([0, 1, 0]), undefined);
  });

  test('property: equals the share of differing pairs counted pair by pair', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 6 }), (counts) => {
        const items = counts.flatMap((c, category) => Array.from({ length: c }, () => category));
        let pairs = 0;
        let differ = 0;
        for (let i = 0; i < items.length; i++) {
          for (let j = i + 1; j < items.length; j++) {
            pairs++;
            if (items[i] !== items[j]) differ++;
          }
        }
        const d = slateDiversity(counts);
        if (pairs === 0) assert.equal(d, undefined);
        else close(d, differ / pairs);
      }),
    );
  });
});

describe('normalizedUtility', () => {
  test('by hand', () => {
    // L = 4, discount(c) = 1 − c/4: positions 0..3 → 1, 3/4, 1/2, 1/4.
    // Gains [0, 2, 0, 1]: actual = 2·3/4 + 1·1/4 = 7/4; ideal = 2·1 + 1·3/4 = 11/4 → 7/11.
    close(normalizedUtility(trailOf([0, 2, 0, 1]), 4), 7 / 11);
    // One positive at the last of 4 positions: (1/4) / 1.
    close(normalizedUtility(trailOf([0, 0, 0, 3]), 4), 1 / 4);
  });

  test('1 when every positive comes first, largest first', () => {
    assert.equal(normalizedUtility(trailOf([5, 3, 1, 0, 0]), 5), 1);
    // Listed out of position order (as Object.values does for integer-like itemIds): still exactly 1.
    assert.equal(normalizedUtility([[3, 3], [4, 0], [0, 4], [1, 3], [2, 3]], 5), 1);
    assert.equal(normalizedUtility(trailOf([1]), 1), 1);
    assert.equal(normalizedUtility(trailOf([2, 2, 0]), 3), 1);
  });

  test('null without a positive gain', () => {
    assert.equal(normalizedUtility([], 0), null);
    assert.equal(normalizedUtility(trailOf([0, 0, 0]), 3), null);
  });

  test('the order of the entries does not matter, only their positions', () => {
    const trail = trailOf([0, 2, 0, 1]);
    close(normalizedUtility([...trail].reverse(), 4), 7 / 11);
  });

  const gainsArb = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 30 });

  test('property: 1 for any trail whose gains are sorted largest first', () => {
    fc.assert(
      fc.property(gainsArb, (gains) => {
        fc.pre(gains.some((g) => g > 0));
        const sorted = [...gains].sort((a, b) => b - a);
        assert.equal(normalizedUtility(trailOf(sorted), sorted.length), 1);
      }),
    );
  });

  test('property: moving a positive later, past a smaller gain, strictly lowers the utility', () => {
    fc.assert(
      fc.property(gainsArb, fc.nat(), fc.nat(), (gains, x, y) => {
        const n = gains.length;
        const i = x % n;
        const j = y % n;
        fc.pre(i < j && gains[i]! > 0 && gains[i]! > gains[j]!);
        const moved = [...gains];
        [moved[i], moved[j]] = [moved[j]!, moved[i]!];
        const before = normalizedUtility(trailOf(gains), n)!;
        const after = normalizedUtility(trailOf(moved), n)!;
        assert.ok(after < before, `${before} → ${after} moving ${gains[i]} from ${i} to ${j} in ${gains}`);
      }),
      { numRuns: 500 },
    );
  });

  test('property: always within [0, 1], null exactly when no gain is positive, in any entry order', () => {
    fc.assert(
      fc.property(gainsArb, fc.func(fc.integer()), (gains, key) => {
        // Shuffle the entries (as Object.values may list them) without changing positions.
        const entries = trailOf(gains).sort((a, b) => key(a[0]) - key(b[0]) || a[0] - b[0]);
        const u = normalizedUtility(entries, gains.length);
        if (!gains.some((g) => g > 0)) return assert.equal(u, null);
        assert.ok(u !== null && u >= 0 && u <= 1, `${u} for ${gains}`);
        assert.equal(u, normalizedUtility(trailOf(gains), gains.length), 'the same value as in position order');
      }),
      { numRuns: 2_000 },
    );
  });
});
