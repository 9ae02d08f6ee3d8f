import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SimHasher } from '../../../../topologies/interest/simhash.js';

/** Two unit vectors of dimension `dim` at angle θ: e1 and cos θ·e1 + sin θ·e2. */
function pairAt(dim: number, theta: number): [Float32Array, Float32Array] {
  const u = new Float32Array(dim);
  const v = new Float32Array(dim);
  u[0] = 1;
  v[0] = Math.cos(theta);
  v[1] = Math.sin(theta);
  return [u, v];
}

/** Share of signatures on which u and v get the same code, over many independent random matrices. */
function agreement(theta: number, bits: number, matrices: number, signaturesPerMatrix: number): number {
  const [u, v] = pairAt(16, theta);
  let same = 0;
  for (let seed = 0; seed < matrices; seed++) {
    const hasher = new SimHasher(16, signaturesPerMatrix, bits, 1000 + seed);
    const a = hasher.codes(u);
    const b = hasher.codes(v);
    for (let s = 0; s < signaturesPerMatrix; s++) if (a[s] === b[s]) same++;
  }
  return same / (matrices * signaturesPerMatrix);
}

describe('SimHasher', () => {
  test('two unit vectors at 60° share a 3-bit signature with probability (2/3)^3 = 0.296', () => {
    const trials = 400 * 50;
    const observed = agreement(Math.PI / 3, 3, 400, 50);
    const expected = Math.pow(2 / 3, 3);
    const sigma = Math.sqrt((expected * (1 - expected)) / trials);
    assert.ok(Math.abs(expected - 0.2963) < 1e-4);
    assert.ok(Math.abs(observed - expected) < 4 * sigma, `observed ${observed.toFixed(4)}, expected ${expected.toFixed(4)} ± ${(4 * sigma).toFixed(4)}`);
  });

  test('the collision probability is (1 − θ/π)^τ across angles and widths', () => {
    for (const degrees of [20, 45, 90, 135]) {
      for (const bits of [1, 2, 5]) {
        const theta = (degrees * Math.PI) / 180;
        const trials = 100 * 100;
        const expected = Math.pow(1 - theta / Math.PI, bits);
        const sigma = Math.sqrt((expected * (1 - expected)) / trials);
        const observed = agreement(theta, bits, 100, 100);
        assert.ok(Math.abs(observed - expected) < 4 * sigma + 1e-9, `θ=${degrees}° τ=${bits}: ${observed.toFixed(4)} vs ${expected.toFixed(4)}`);
      }
    }
  });

  test('is deterministic for a seed and differs between seeds', () => {
    assert.deepEqual(new SimHasher(8, 4, 3, 42).matrix, new SimHasher(8, 4, 3, 42).matrix);
    assert.notDeepEqual(new SimHasher(8, 4, 3, 42).matrix, new SimHasher(8, 4, 3, 43).matrix);
  });

  test('codes lie in [0, 2^τ) and do not depend on the scale of the vector', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 6 }), (x, bits) => {
        const codes = new SimHasher(8, 5, bits, 3).codes(x);
        assert.ok([...codes].every((c) => c >= 0 && c < 1 << bits));
      }),
    );
    const hasher = new SimHasher(4, 3, 2, 9);
    assert.deepEqual(hasher.codes([0.3, -0.2, 0.9, 0.1]), hasher.codes([3, -2, 9, 1]));
  });

  test('τ = 0 puts everything in one bucket', () => {
    const hasher = new SimHasher(4, 2, 0, 1);
    assert.deepEqual([...hasher.codes([1, 2, 3, 4])], [0, 0]);
    assert.equal(hasher.matrix.length, 0);
  });
});
