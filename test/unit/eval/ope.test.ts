import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { offPolicyEstimate, type LoggedSlateLine } from '../../../src/eval/ope.js';
import { SeededRandom } from '../../../src/sim/random.js';

/**
 * A synthetic world where the truth is known: 5 items with fixed click probabilities;
 * the logging policy is ε-greedy around item 0 (ε = 0.3, uniform exploration); the
 * targets are "always item 3" (deterministic) and a uniform policy.
 */
const CLICK = [0.1, 0.2, 0.3, 0.5, 0.05];
const EPSILON = 0.3;
const loggingProbability = (item: number): number => (item === 0 ? 1 - EPSILON : 0) + EPSILON / CLICK.length;

function logOf(samples: number, seed: number): LoggedSlateLine[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: samples }, (_, n) => {
    const item = random.chance(EPSILON) ? random.int(0, CLICK.length - 1) : 0;
    return {
      policy: 'logger',
      requestId: `r${n}`,
      userId: 'u',
      slots: [{ itemId: `i${item}`, propensity: loggingProbability(item), clicked: random.chance(CLICK[item]!) }],
      topProbabilities: { logger: loggingProbability(item), 'always-3': item === 3 ? 1 : 0, uniform: 1 / CLICK.length },
    };
  });
}

describe('IPS and SNIPS on a known logging policy', () => {
  const log = logOf(200_000, 17);

  test('estimate a deterministic target (always item 3, true rate 0.5) within the 95% interval', () => {
    const estimate = offPolicyEstimate(log, 'always-3');
    assert.equal(estimate.samples, log.length);
    assert.ok(Math.abs(estimate.ips - 0.5) < Math.max(estimate.ipsHalfWidth95, 0.01) * 1.5, `IPS ${estimate.ips} ± ${estimate.ipsHalfWidth95}`);
    assert.ok(Math.abs(estimate.snips - 0.5) < 0.02, `SNIPS ${estimate.snips}`);
    // Only the 6% of samples where the logger showed item 3 carry weight.
    assert.ok(estimate.effectiveSampleSize < 0.1 * log.length);
  });

  test('estimate the uniform policy (true rate = mean click probability)', () => {
    const truth = CLICK.reduce((a, b) => a + b, 0) / CLICK.length;
    const estimate = offPolicyEstimate(log, 'uniform');
    assert.ok(Math.abs(estimate.ips - truth) < 0.01, `IPS ${estimate.ips} vs ${truth}`);
    assert.ok(Math.abs(estimate.snips - truth) < 0.01, `SNIPS ${estimate.snips} vs ${truth}`);
    assert.ok(Math.abs(estimate.meanWeight - 1) < 0.02);
  });

  test('the logging policy evaluated on its own log: weights are 1, IPS = SNIPS = the logged rate', () => {
    const estimate = offPolicyEstimate(log, 'logger');
    assert.equal(estimate.meanWeight, 1);
    assert.equal(estimate.ips, estimate.loggedRate);
    assert.equal(estimate.snips, estimate.loggedRate);
    const truth = CLICK.reduce((sum, p, item) => sum + loggingProbability(item) * p, 0);
    assert.ok(Math.abs(estimate.loggedRate - truth) < 0.01);
  });

  test('slates without the policy, or without a top slot, are skipped and counted', () => {
    const estimate = offPolicyEstimate([...log.slice(0, 10), { ...log[0]!, slots: [] }, { ...log[0]!, topProbabilities: {} }], 'uniform');
    assert.equal(estimate.samples, 10);
    assert.equal(estimate.skipped, 2);
  });
});
