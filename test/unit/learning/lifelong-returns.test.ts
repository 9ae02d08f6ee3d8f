import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runLifelongExperiment, type ExperimentOptions, type ExperimentResult } from '../../support/lifelong-experiment.js';

/**
 * The critic against known returns: a generated world of user–author relationships
 * (test/support/pair-world.ts) whose training users' events (≤ 200,000) go through the
 * real topology into a real learner; held-out users' pairs are then scored and ranked
 * against their Monte Carlo discounted returns. Deterministic (seeded world, seeded
 * networks, single-threaded wasm kernels).
 */
const EXPERIMENT: ExperimentOptions = {
  trainUsers: 450,
  heldOutUsers: 150,
  authorsPerUser: 12,
  hours: 30 * 24,
  cutoffHour: 20 * 24,
  gammaPerHour: 0.98,
  transitions: 'sparse',
  seed: 7,
  chunkEvents: 2_000,
  stepsPerChunk: 40,
  finalSteps: 2_000,
  learner: {},
};

function report(label: string, r: ExperimentResult): void {
  console.log(
    `${label}: ${r.trainEvents} training events → ${r.transitions} transitions, ${r.steps} steps at ${r.stepsPerSecond.toFixed(0)} steps/s (${r.backend}); ` +
      `${r.heldOutPairs} held-out pairs at their first step from the cutoff: Spearman with the Monte Carlo return — critic ${r.spearmanCritic.toFixed(3)}, past engagement count ${r.spearmanEngagements.toFixed(3)}; ` +
      `all ${r.cutoff.pairs} pairs read at the cutoff — critic ${r.cutoff.spearmanCritic.toFixed(3)}, count ${r.cutoff.spearmanEngagements.toFixed(3)}; V_gift vs gift return ${r.spearmanGiftShared.toFixed(3)}`,
  );
}

describe('the critic ranks held-out pairs like their Monte Carlo returns', () => {
  let sparse: ExperimentResult | undefined;

  test('sparse cross-request transitions: Spearman ≥ 0.6, and better than the past interaction count', async () => {
    sparse = await runLifelongExperiment(EXPERIMENT);
    report('sparse', sparse);
    assert.ok(sparse.trainEvents <= 200_000, `${sparse.trainEvents} training events`);
    assert.ok(sparse.heldOutPairs > 1_000);
    assert.ok(sparse.spearmanCritic >= 0.6, `critic ${sparse.spearmanCritic}`);
    assert.ok(sparse.spearmanCritic > sparse.spearmanEngagements + 0.1, `critic ${sparse.spearmanCritic} vs count ${sparse.spearmanEngagements}`);
    assert.ok(sparse.cutoff.spearmanCritic > sparse.cutoff.spearmanEngagements, 'also when every pair is read at the cutoff');
  });

  test('dense transitions (next state at the user’s next request), same events and training budget, for comparison', async () => {
    const dense = await runLifelongExperiment({ ...EXPERIMENT, transitions: 'dense' });
    report('dense', dense);
    if (sparse) console.log(`sparse vs dense: ${sparse.transitions} vs ${dense.transitions} transitions; Spearman at the step ${sparse.spearmanCritic.toFixed(3)} vs ${dense.spearmanCritic.toFixed(3)}; at the cutoff ${sparse.cutoff.spearmanCritic.toFixed(3)} vs ${dense.cutoff.spearmanCritic.toFixed(3)}`);
    assert.ok(dense.transitions > (sparse?.transitions ?? 0), 'denser');
    assert.ok(dense.spearmanCritic > dense.spearmanEngagements, 'it learns too');
  });
});
