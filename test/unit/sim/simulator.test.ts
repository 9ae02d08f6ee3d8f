import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { runClosedLoop } from '../../../src/sim/closed-loop.js';
import { BASELINE, CREATURES_OF_HABIT, NOVELTY_SEEKERS, PARAMETER_SETS, type SimulationParameters } from '../../../src/sim/parameters.js';
import { SimWorld } from '../../../src/sim/sim-world.js';
import { SimUser, type ShownItem } from '../../../src/sim/sim-user.js';
import { DEFAULT_START_MS } from '../../../src/sim/session-generator.js';
import { FakeRecommender } from './fake-recommender.js';

const world = (seed: number, params: SimulationParameters = BASELINE, users = 60): SimWorld => new SimWorld(params, { users, seed, dim: 8, startMs: DEFAULT_START_MS });
const digest = (events: readonly unknown[]): string => createHash('sha256').update(JSON.stringify(events)).digest('hex');

async function run(seed: number, params: SimulationParameters = BASELINE, days = 4, users = 60) {
  const recommender = new FakeRecommender(seed);
  const metrics = await runClosedLoop(world(seed, params, users), recommender, { days, runTag: 'test' });
  return { metrics, recommender };
}

describe('simulated world', () => {
  test('deterministic for a seed: the same events and metrics twice, different ones for another seed', async () => {
    const a = await run(7);
    const b = await run(7);
    assert.deepEqual(a.metrics, b.metrics);
    assert.equal(digest(a.recommender.events), digest(b.recommender.events));
    const c = await run(8);
    assert.notEqual(digest(a.recommender.events), digest(c.recommender.events));
  });

  test('a user is the same user whatever order users are processed in (one random stream per user)', () => {
    const slate: ShownItem[] = [{ itemId: 'x', authorId: 'a', category: 'cat-1' }];
    const truth = () => ({ categoryIndex: 1, quality: 0.9 });
    const respond = (user: SimUser) => {
      user.startSession('s');
      return user.respond(slate, truth, 'r', 0).events;
    };
    const alone = respond(new SimUser('user-3', 5, BASELINE));
    const others = [new SimUser('user-1', 5, BASELINE), new SimUser('user-2', 5, BASELINE)];
    others.forEach(respond);
    assert.deepEqual(respond(new SimUser('user-3', 5, BASELINE)), alone);
  });

  test('event time goes forward per user, and every session that starts also ends', async () => {
    const { recommender } = await run(3);
    const last = new Map<string, number>();
    const open = new Map<string, number>();
    for (const event of recommender.events) {
      assert.ok(event.ts >= (last.get(event.userId) ?? 0), `time went back for ${event.userId}`);
      last.set(event.userId, event.ts);
      if (event.type === 'SESSION_START') open.set(event.userId, (open.get(event.userId) ?? 0) + 1);
      if (event.type === 'SESSION_END') open.set(event.userId, (open.get(event.userId) ?? 0) - 1);
    }
    assert.ok([...open.values()].every((n) => n === 0));
  });

  test('gifts only to followed authors; follows only after enough clicks on the author', async () => {
    const { recommender } = await run(11, { ...BASELINE, followGivenClick: 1, giftGivenClickFollowed: 0.5, clickIntercept: 0 }, 5, 40);
    const clicks = new Map<string, number>();
    const followed = new Set<string>();
    let gifts = 0;
    for (const event of recommender.events) {
      const pair = `${event.userId}/${event.authorId}`;
      if (event.type === 'CLICK') clicks.set(pair, (clicks.get(pair) ?? 0) + 1);
      if (event.type === 'FOLLOW') {
        assert.ok((clicks.get(pair) ?? 0) >= BASELINE.clicksBeforeFollow, `${pair} followed after ${clicks.get(pair)} clicks`);
        followed.add(pair);
      }
      if (event.type === 'GIFT') {
        gifts++;
        assert.ok(followed.has(pair), `${pair} gifted without following`);
      }
    }
    assert.ok(followed.size > 0 && gifts > 0, 'the scenario produces follows and gifts');
  });

  test('temper: a user who never responds leaves after 5 slates', () => {
    const user = new SimUser('user-0', 1, { ...BASELINE, leaveChancePerStep: 0 });
    user.startSession('s');
    const slate: ShownItem[] = Array.from({ length: 6 }, (_, i) => ({ itemId: `unknown-${i}`, authorId: 'a', category: 'cat-0' }));
    let steps = 0;
    for (let left = false; !left; steps++) left = user.respond(slate, () => undefined, `r${steps}`, steps).leaves;
    assert.equal(steps, 5);
    assert.equal(user.endSession().satisfaction, 0);
  });

  test('property: a novelty-seeker clicks an unfamiliar category more readily than a user who is not', () => {
    const seeker = new SimUser('u', 1, { ...BASELINE, noveltySeekingBeta: [60, 1] });
    const homebody = new SimUser('u', 1, { ...BASELINE, noveltySeekingBeta: [1, 60] });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: BASELINE.categories - 1 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (c, quality, similarity) => {
        // Same interests for both, so only the trait differs.
        homebody.interest.set(seeker.interest);
        homebody.familiar.fill(0);
        seeker.familiar.fill(0);
        assert.ok(seeker.clickProbability(c, quality, similarity, false) > homebody.clickProbability(c, quality, similarity, false));
        // Familiar categories: the trait does not matter.
        homebody.familiar[c] = 1;
        seeker.familiar[c] = 1;
        assert.equal(seeker.clickProbability(c, quality, similarity, false), homebody.clickProbability(c, quality, similarity, false));
      }),
    );
  });

  test('a population of novelty-seekers clicks unfamiliar categories more than creatures of habit, under the same random slates', async () => {
    const unfamiliarCtr = async (params: SimulationParameters) => {
      const { metrics } = await run(5, params, 3, 150);
      const shown = metrics.reduce((n, d) => n + d.unfamiliarShare * d.impressions, 0);
      return metrics.reduce((n, d) => n + d.unfamiliarCtr * d.unfamiliarShare * d.impressions, 0) / shown;
    };
    const seekers = await unfamiliarCtr(NOVELTY_SEEKERS);
    const habit = await unfamiliarCtr(CREATURES_OF_HABIT);
    assert.ok(seekers > 1.5 * habit, `novelty-seekers ${seekers.toFixed(3)} vs creatures of habit ${habit.toFixed(3)}`);
  });

  test('fatigue: the same category again and again is clicked less and less', () => {
    const user = new SimUser('u', 2, BASELINE);
    const c = user.interest.indexOf(Math.max(...user.interest));
    const before = user.clickProbability(c, 0.5, 0, false);
    user.startSession('s');
    const slate: ShownItem[] = Array.from({ length: 8 }, (_, i) => ({ itemId: `i${i}`, authorId: `a${i}`, category: `cat-${c}` }));
    user.respond(slate, () => ({ categoryIndex: c, quality: 0.5 }), 'r', 0);
    assert.ok(user.clickProbability(c, 0.5, 0, false) < before);
  });

  test('satisfied users come back more: the return model is increasing in satisfaction', () => {
    const visits = (satisfaction: number) => {
      let n = 0;
      for (let u = 0; u < 400; u++) {
        const user = new SimUser(`user-${u}`, 9, BASELINE);
        user.satisfaction = satisfaction;
        if (user.visits(1)) n++;
      }
      return n;
    };
    assert.ok(visits(0.9) > visits(0.5) && visits(0.5) > visits(0.1));
  });

  test('creators whose items are never shown leave after their run of ignored items, and their items are withdrawn', async () => {
    const w = world(4, BASELINE, 30);
    // Only category 0 is ever served.
    const recommender = new FakeRecommender(4, 8, (items, random) => {
      const pool = items.filter((item) => item.category === 'cat-0');
      return Array.from({ length: 8 }, () => random.pick(pool));
    });
    await runClosedLoop(w, recommender, { days: 2, runTag: 't' });
    const shown = new Set([...w.creators.items.values()].filter((item) => item.impressions > 0).map((item) => item.creator));
    const neverShown = w.creators.creators.filter((c) => !shown.has(c));
    assert.ok(neverShown.length > 0);
    assert.ok(neverShown.every((c) => !c.active), 'a creator none of whose items was ever shown has left');
    const left = new Set(w.creators.creators.filter((c) => !c.active).map((c) => c.authorId));
    assert.ok([...recommender.catalog.values()].every((item) => !left.has(item.authorId)), 'tombstones withdrew the items of creators who left');
    assert.ok(w.creators.creators.some((c) => c.active), 'creators whose items get clicks stay');
  });

  test('the named parameter sets differ only in fatigue and novelty-seeking', () => {
    const behavioural = new Set(['name', 'doc', 'fatiguePerImpression', 'fatigueKeptPerStep', 'fatigueKeptPerDay', 'noveltySeekingBeta']);
    for (const set of Object.values(PARAMETER_SETS)) {
      for (const [key, value] of Object.entries(set)) if (!behavioural.has(key)) assert.deepEqual(value, (BASELINE as unknown as Record<string, unknown>)[key], `${set.name}.${key}`);
    }
  });
});
