import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Learner, type LearnerOptions } from '../../../src/learning/learner.js';
import { listCheckpoints } from '../../../src/learning/checkpoint-io.js';
import { RuntimeMetrics } from '../../../src/observability/metrics.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { pairKey } from '../../../src/learning/transition.js';
import { BatchRunner } from '../../support/batch-runner.js';
import { generatePairWorld } from '../../support/pair-world.js';
import { lifelongValueFeatureNames, lifelongValueTopology } from '../../../topologies/lifelong-value/index.js';

const root = mkdtempSync(join(tmpdir(), 'lifelong-learner-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

const START = Date.UTC(2025, 0, 1);
const HOUR = 3_600_000;
const FEATURES = lifelongValueFeatureNames();
const context = () => ({ logger: silentLogger(), metrics: new RuntimeMetrics() });

function learner(overrides: Partial<LearnerOptions> = {}): Learner {
  return new Learner({
    featureNames: FEATURES,
    gammaPerHour: 0.98,
    headWeights: { click: 1, follow: 5, gift: 0.5 },
    batchSize: 32,
    targetRefreshSteps: 20,
    replayCapacity: 5_000,
    architecture: { trunkUnits: [16], headUnits: 8 },
    backend: 'wasm',
    minReplay: 64,
    trainingShare: 1,
    checkpoint: { dir: join(root, `case-${dirs++}`), intervalMs: 200 },
    ...overrides,
  });
}

function topologyFor(sink: Learner) {
  return lifelongValueTopology({ learner: sink, maxAuthorsPerUser: 8, decayHalfLifeHours: 72, transitions: 'sparse', headWeights: { click: 1, follow: 5, gift: 0.5 } });
}

const world = generatePairWorld({ users: 60, authorsPerUser: 8, hours: 10 * 24, seed: 11, startMs: START });

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the learner as a background service', () => {
  test('trains while records flow, refreshes the value cache, checkpoints periodically and on stop', async () => {
    const service = learner();
    const ctx = context();
    await service.start(ctx);
    const runner = new BatchRunner([topologyFor(service)], START + 30 * 24 * HOUR);
    // Batches with a turn of the event loop between them, as the runtime processes them.
    for (let i = 0; i < world.events.length; i += 1_000) {
      runner.pipe(world.events.slice(i, i + 1_000));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => service.steps >= 100, '100 training steps');
    await until(() => service.modelVersion >= 1, 'a periodic checkpoint');
    await until(() => service.stats().cachedPairs > 0, 'a value-cache refresh');
    const someKey = [...world.pairs.keys()].find((key) => service.cachedValue(key) !== undefined)!;
    const cached = service.cachedValue(someKey)!;
    assert.ok(Number.isFinite(cached.value) && cached.clickProbability >= 0 && cached.clickProbability <= 1);
    const text = await ctx.metrics.registry.metrics();
    assert.match(text, /lifelong_learner_steps_total \d+/);
    assert.match(text, /lifelong_learner_checkpoints_total\{outcome="saved"\} \d/);
    assert.match(text, /lifelong_learner_replay_transitions \d+/);
    const periodic = service.modelVersion;
    await service.stop();
    const saved = await listCheckpoints(join(root, `case-${dirs - 1}`));
    assert.ok(saved[0]!.version > periodic, 'stop() saved a newer version');
    assert.equal(service.steps, 0, 'the networks are released on stop');
  });

  test('record processing never waits on training: a training step that does not finish holds nothing up', async () => {
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    let stepsTaken = 0;
    const service = learner({ mode: 'inline', afterStep: async () => { stepsTaken++; await stuck; } });
    await service.start(context());
    const runner = new BatchRunner([topologyFor(service)], START + 30 * 24 * HOUR);
    runner.pipe(world.events.slice(0, 2_000));
    await until(() => stepsTaken === 1, 'the first (never-ending) step');
    const before = service.stats().transitionsAppended;
    const started = performance.now();
    for (let i = 2_000; i < world.events.length; i += 1_000) {
      runner.pipe(world.events.slice(i, i + 1_000));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const elapsed = performance.now() - started;
    assert.equal(stepsTaken, 1, 'training is stuck in its first step');
    assert.ok(service.stats().transitionsAppended > before + 1_000, 'yet every batch went through and appended its transitions');
    console.log(`${world.events.length - 2_000} events processed in ${elapsed.toFixed(0)} ms while a training step was pending`);
    release();
    await service.stop();
  });

  test('training keeps to its share of the thread', async () => {
    const busy: Array<[number, number]> = [];
    const service = learner({
      mode: 'inline',
      trainingShare: 0.25,
      // A deliberately slow step: 15 ms of CPU on the event-loop thread.
      afterStep: () => {
        const from = performance.now();
        while (performance.now() - from < 15);
        busy.push([from, performance.now()]);
      },
    });
    await service.start(context());
    new BatchRunner([topologyFor(service)], START + 30 * 24 * HOUR).pipe(world.events.slice(0, 5_000));
    const from = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const window = performance.now() - from;
    await service.stop();
    const spent = busy.filter(([s]) => s >= from).reduce((sum, [s, e]) => sum + (e - s), 0);
    console.log(`training share 0.25: ${busy.length} slow steps, ${(spent / window).toFixed(2)} of the wall time spent in their busy part`);
    assert.ok(busy.length >= 5, 'it trained');
    assert.ok(spent / window <= 0.3, `spent ${spent.toFixed(0)} of ${window.toFixed(0)} ms`);
  });

  test('pairs are keyed by user and author', () => {
    assert.notEqual(pairKey('a', 'bc'), pairKey('ab', 'c'));
  });
});
