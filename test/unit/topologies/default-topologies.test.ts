import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/config.js';
import { topologiesFromConfig } from '../../../topologies/index.js';

const names = (flags: Record<string, unknown>): string[] => topologiesFromConfig(loadConfig({ flags })).map((t) => t.name);

test('the config chooses the topologies: all four by default, each optional one left out by its flag', () => {
  assert.deepEqual(names({}), ['session-metrics', 'interest', 'lifelong-value', 'recommend']);
  assert.deepEqual(names({ 'recommend.enabled': false }), ['session-metrics', 'interest', 'lifelong-value']);
  assert.deepEqual(names({ 'lifelongValue.enabled': false }), ['session-metrics', 'interest', 'recommend']);
  assert.deepEqual(names({ 'interest.enabled': false, 'recommend.enabled': false, 'lifelongValue.enabled': false }), ['session-metrics']);
});

test('recommend without the interest topology is refused where the topologies are built, not at its first request', () => {
  // A config that did not come through loadConfig, which refuses this combination first.
  const defaults = loadConfig();
  assert.throws(() => topologiesFromConfig({ ...defaults, interest: { ...defaults.interest, enabled: false } }), /reads the interest store/);
});
