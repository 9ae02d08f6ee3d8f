import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Learner, type LearnerOptions } from '../../../src/learning/learner.js';
import { pairKey } from '../../../src/learning/transition.js';
import type { UserEvent } from '../../../src/serde/records.js';
import { BatchRunner } from '../../support/batch-runner.js';
import { lifelongValueFeatureNames, lifelongValueTopology } from '../../../topologies/lifelong-value/index.js';

const HOUR = 3_600_000;
const T = Date.UTC(2025, 0, 1);

/** A small critic that converges in a few thousand steps. */
function learner(gammaPerHour: number, overrides: Partial<LearnerOptions> = {}): Learner {
  return new Learner({
    featureNames: lifelongValueFeatureNames(),
    gammaPerHour,
    headWeights: { click: 1, follow: 1, gift: 1 },
    batchSize: 64,
    targetRefreshSteps: 50,
    replayCapacity: 10_000,
    learningRate: 3e-3,
    architecture: { trunkUnits: [32], headUnits: 16 },
    backend: 'wasm',
    seed: 3,
    ...overrides,
  });
}

/** One user clicking one author once per request, every `everyHours`, for `steps` requests. */
function clickingUser(userId: string, authorId: string, everyHours: number, steps: number): UserEvent[] {
  const events: UserEvent[] = [];
  const base = { userId, sessionId: null, category: null, position: null, dwellMs: null, value: null };
  for (let i = 0; i < steps; i++) {
    const at = T + i * everyHours * HOUR;
    const requestId = `${userId}-r${i}`;
    events.push({ ...base, eventId: `${requestId}-q`, type: 'FEED_REQUEST', itemId: null, authorId: null, requestId, ts: at });
    events.push({ ...base, eventId: `${requestId}-i`, type: 'IMPRESSION', itemId: `${authorId}-i${i}`, authorId, requestId, ts: at + 1_000 });
    events.push({ ...base, eventId: `${requestId}-c`, type: 'CLICK', itemId: `${authorId}-i${i}`, authorId, requestId, ts: at + 2_000 });
  }
  return events;
}

describe('TD learning of the critic', () => {
  test('a constant reward r converges toward r / (1 − γ)', async () => {
    const critic = learner(0.8);
    await critic.init();
    try {
      const state = lifelongValueFeatureNames().map((_, i) => (i % 4) * 0.5);
      for (let i = 0; i < 1_000; i++) critic.record({ key: 'k', at: i * HOUR, state, next: state, rewards: [0.5, 0, 0], click: 1, dtHours: 1 });
      await critic.trainSteps(2_500);
      const [value] = critic.predictStates([state]);
      const expected = 0.5 / (1 - 0.8);
      console.log(`constant reward 0.5, γ = 0.8 per hour, a step an hour: V_click = ${value!.click.toFixed(3)} (r / (1 − γ) = ${expected})`);
      assert.ok(Math.abs(value!.click - expected) < 0.05 * expected, `V_click ${value!.click} should be within 5% of ${expected}`);
      assert.ok(Math.abs(value!.follow) < 0.05 && Math.abs(value!.gift) < 0.05, 'heads without reward stay near 0');
      assert.ok(value!.clickProbability > 0.9, 'the auxiliary head learns that every step has a click');
    } finally {
      await critic.stop();
    }
  });

  test('on a toy stream through the topology, the discount follows elapsed event time', async () => {
    const gamma = 0.9;
    const critic = learner(gamma);
    await critic.init();
    try {
      const topology = lifelongValueTopology({ learner: critic, maxAuthorsPerUser: 4, decayHalfLifeHours: 24, transitions: 'sparse', headWeights: { click: 1, follow: 1, gift: 1 } });
      const events = [...clickingUser('hourly', 'a1', 1, 300), ...clickingUser('every-3h', 'a2', 3, 300)].sort((a, b) => a.ts - b.ts);
      new BatchRunner([topology], T + 1_000 * HOUR).pipe(events);
      assert.equal(critic.stats().transitionsAppended, 598, 'one transition per step but the last of each pair');
      await critic.trainSteps(3_000);
      assert.equal(critic.refreshCache(), 2, 'both pairs were noted by the topology (the state their last step started from)');
      const hourly = critic.cachedValue(pairKey('hourly', 'a1'))!;
      const slow = critic.cachedValue(pairKey('every-3h', 'a2'))!;
      const expectHourly = 1 / (1 - gamma);
      const expectSlow = 1 / (1 - gamma ** 3);
      console.log(`one click per step, γ = ${gamma}/h: hourly pair V = ${hourly.click.toFixed(3)} (expected ${expectHourly.toFixed(3)}), 3-hourly pair V = ${slow.click.toFixed(3)} (expected ${expectSlow.toFixed(3)})`);
      assert.ok(Math.abs(hourly.click - expectHourly) < 0.08 * expectHourly, `hourly: ${hourly.click} vs ${expectHourly}`);
      assert.ok(Math.abs(slow.click - expectSlow) < 0.08 * expectSlow, `3-hourly: ${slow.click} vs ${expectSlow}`);
      assert.equal(hourly.value, hourly.click + hourly.follow + hourly.gift, 'the lifelong value is the weighted sum of the heads');
    } finally {
      await critic.stop();
    }
  });
});
