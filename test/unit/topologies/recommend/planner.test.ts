import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RuleBasedPlanner, type CategoryView } from '../../../../topologies/recommend/planner.js';

const view = (name: string, fields: Partial<CategoryView> = {}): CategoryView => ({ name, familiar: true, reward: 1, exposure: 1, sessionExposure: 0, interestShare: 0, trending: 0, refused: 0, ...fields });

describe('the rule-based planner', () => {
  const planner = new RuleBasedPlanner();
  const categories = [view('a', { reward: 5 }), view('b', { reward: 3 }), view('c', { reward: 2 }), view('d', { reward: 1 }), view('x', { familiar: false, trending: 9 }), view('y', { familiar: false, trending: 3 })];

  test('takes the best familiar categories; includes the most trending unfamiliar one exactly when the draw falls under the propensity', () => {
    assert.deepEqual(planner.plan({ categories, count: 3, propensity: 0.3, slateSize: 10, draw: 0.5 }), { categories: ['a', 'b', 'c'], exploring: null, probability: 0.7, reserve: ['d', 'x', 'y'] });
    assert.deepEqual(planner.plan({ categories, count: 3, propensity: 0.3, slateSize: 10, draw: 0.2 }), { categories: ['a', 'b', 'x'], exploring: 'x', probability: 0.3, reserve: ['c', 'd', 'y'] });
  });

  test('exposure in this session pushes a category down, less so for a novelty-seeking user', () => {
    const tired = categories.map((c) => (c.name === 'a' ? { ...c, sessionExposure: 40 } : c));
    assert.deepEqual(planner.plan({ categories: tired, count: 3, propensity: 0.1, slateSize: 10, draw: 0.9 }).categories, ['b', 'c', 'd']);
    const faded = categories.map((c) => (c.name === 'a' ? { ...c, refused: 0.45 } : c));
    assert.ok(planner.plan({ categories: faded, count: 1, propensity: 0, slateSize: 10, draw: 0.9 }).categories[0] === 'a', 'a faded refusal only lowers a strong category');
  });

  test('a user with no familiar category gets the most trending ones, with nothing left to chance', () => {
    const cold = categories.map((c) => ({ ...c, familiar: false }));
    const plan = planner.plan({ categories: cold, count: 2, propensity: 0.9, slateSize: 10, draw: 0 });
    assert.deepEqual(plan, { categories: ['x', 'y'], exploring: null, probability: 1, reserve: ['a', 'b', 'c', 'd'] });
  });

  test('a user with fewer familiar categories than asked for gets the best scored others too', () => {
    const few = categories.map((c) => (c.name === 'a' ? c : { ...c, familiar: false }));
    const plan = planner.plan({ categories: few, count: 3, propensity: 0, slateSize: 10, draw: 0.9 });
    assert.equal(plan.categories[0], 'a');
    assert.equal(plan.categories.length, 3);
  });
});
