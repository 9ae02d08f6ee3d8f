import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assignArm, parseArms } from '../../../../topologies/recommend/arms.js';

describe('experiment arms', () => {
  test('parses the short and the full forms', () => {
    assert.deepEqual(parseArms(['lifelong']), [{ name: 'lifelong', policy: 'lifelong', weight: 1 }]);
    assert.deepEqual(parseArms(['control=greedy:20', 'treatment=lifelong:80']), [
      { name: 'control', policy: 'greedy', weight: 20 },
      { name: 'treatment', policy: 'lifelong', weight: 80 },
    ]);
  });

  test('refuses unknown policies, bad weights, repeated names and an empty list, naming the option', () => {
    assert.throws(() => parseArms(['random']), /recommend\.arms: "random": unknown policy random; known: greedy, lifelong/);
    assert.throws(() => parseArms(['a=greedy:0']), /recommend\.arms: "a=greedy:0": the weight must be a positive number/);
    assert.throws(() => parseArms(['a=greedy', 'a=lifelong']), /arm a is named twice/);
    assert.throws(() => parseArms([]), /at least one arm/);
    assert.throws(() => parseArms(['=greedy']), /is not \[name=\]policy\[:weight\]/);
  });

  test('assignment is stable and splits users in proportion to the weights', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.string({ minLength: 1, maxLength: 8 }), (weight, prefix) => {
        const arms = parseArms([`a=greedy:${weight}`, `b=lifelong:${10 - weight}`]);
        let inA = 0;
        const users = 4_000;
        for (let u = 0; u < users; u++) {
          const arm = assignArm(arms, `${prefix}-${u}`);
          assert.equal(assignArm(arms, `${prefix}-${u}`), arm, 'stable');
          if (arm.name === 'a') inA++;
        }
        // Binomial standard deviation at 4,000 users is at most 0.8 %; allow five of them.
        assert.ok(Math.abs(inA / users - weight / 10) < 0.04, `${inA / users} vs ${weight / 10}`);
      }),
      { numRuns: 20 },
    );
  });
});
