/**
 * Lifelong-value benchmark (JSON on the last line of stdout; `npm run bench lifelong-value`).
 *
 * - training: steps/s and samples/s of the default critic (trunk 64-64, heads 32, batch
 *   256) and of the small one the tests use, on the backend `auto` selects;
 * - inference: batched prediction of 1,000 pairs (p50/p99 over 200 calls);
 * - topology: events/s of the lifelong-value topology over a generated stream, processed
 *   in batches with a turn of the event loop between them as the runtime does, with the
 *   learner's background loop off and on (trainingShare 0.5), against the bare engine
 *   (no topology) as the ceiling, all in this run;
 * - quality: the held-out Spearman figures of the tests (sparse vs dense transitions,
 *   shared trunk vs a gift-only model, and the oracle that knows each pair's latent
 *   parameters). The two experiments are deterministic and run side by side in worker
 *   threads, after the timed parts: the same figures as one after the other, in less
 *   wall time (their trainSeconds are then those of two at once).
 */
import { Learner, type LearnerOptions } from '../../src/learning/learner.js';
import { silentLogger } from '../../src/observability/logger.js';
import { RuntimeMetrics } from '../../src/observability/metrics.js';
import { lifelongValueFeatureNames, lifelongValueTopology } from '../../topologies/lifelong-value/index.js';
import { BatchRunner } from '../support/batch-runner.js';
import type { ExperimentOptions, ExperimentResult } from '../support/lifelong-experiment.js';
import { generatePairWorld } from '../support/pair-world.js';
import { experimentInWorker } from './support/experiment-in-worker.js';

const FEATURES = lifelongValueFeatureNames();
const START = Date.UTC(2025, 0, 1);
const HOUR = 3_600_000;

function learner(overrides: Partial<LearnerOptions> = {}): Learner {
  return new Learner({
    featureNames: FEATURES,
    gammaPerHour: 0.99,
    headWeights: { click: 1, follow: 5, gift: 0.5 },
    batchSize: 256,
    targetRefreshSteps: 500,
    replayCapacity: 100_000,
    backend: 'auto',
    ...overrides,
  });
}

const randomState = (i: number): number[] => FEATURES.map((_, j) => Math.abs(Math.sin(i * 31 + j * 7)) * 3);

async function training(label: string, overrides: Partial<LearnerOptions>): Promise<Record<string, unknown>> {
  const l = learner(overrides);
  await l.init();
  for (let i = 0; i < 20_000; i++) l.record({ key: `k${i}`, at: i, state: randomState(i), next: randomState(i + 1), rewards: [i % 2, 0, 0], click: i % 2, dtHours: 1 + (i % 5) });
  await l.trainSteps(20);
  const steps = 300;
  const started = performance.now();
  await l.trainSteps(steps);
  const seconds = (performance.now() - started) / 1000;
  const batch = overrides.batchSize ?? 256;
  const result = { model: label, backend: l.backend, batchSize: batch, stepsPerSecond: round(steps / seconds), samplesPerSecond: Math.round((steps * batch) / seconds), msPerStep: round((seconds * 1000) / steps) };
  await l.stop();
  return result;
}

async function inference(): Promise<Record<string, unknown>> {
  const l = learner();
  await l.init();
  const packed = new Float32Array(1_000 * FEATURES.length);
  for (let i = 0; i < 1_000; i++) packed.set(randomState(i), i * FEATURES.length);
  for (let i = 0; i < 20; i++) l.predict(packed, 1_000);
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const started = performance.now();
    l.predict(packed, 1_000);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  await l.stop();
  return { pairs: 1_000, backend: l.backend, p50Ms: round(times[100]!), p99Ms: round(times[198]!) };
}

async function topologyThroughput(): Promise<Record<string, unknown>> {
  const world = generatePairWorld({ users: 400, authorsPerUser: 12, hours: 20 * 24, seed: 3, startMs: START });
  const events = world.events;
  const run = async (withTopology: boolean, trainingOn: boolean): Promise<{ eventsPerSecond: number; steps: number; trainingSeconds: number }> => {
    const l = learner({ minReplay: 1_024 });
    const metrics = new RuntimeMetrics();
    if (trainingOn) await l.start({ logger: silentLogger(), metrics });
    const topology = lifelongValueTopology({ learner: l, maxAuthorsPerUser: 64, decayHalfLifeHours: 168, transitions: 'sparse', headWeights: { click: 1, follow: 5, gift: 0.5 } });
    const runner = new BatchRunner(withTopology ? [topology] : [], START + 30 * 24 * HOUR);
    const started = performance.now();
    for (let i = 0; i < events.length; i += 2_000) {
      runner.pipe(events.slice(i, i + 2_000));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const seconds = (performance.now() - started) / 1000;
    const steps = l.steps;
    const stepSeconds = (await metrics.registry.getSingleMetric('lifelong_learner_step_duration_seconds')?.get())?.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_sum'))?.value ?? 0;
    await l.stop();
    return { eventsPerSecond: Math.round(events.length / seconds), steps, trainingSeconds: round(stepSeconds) };
  };
  const bare = await run(false, false);
  const off = await run(true, false);
  const on = await run(true, true);
  return {
    events: events.length,
    bareEngineEventsPerSecond: bare.eventsPerSecond,
    trainingOff: { eventsPerSecond: off.eventsPerSecond, ratioToBare: round(off.eventsPerSecond / bare.eventsPerSecond) },
    trainingOn: { eventsPerSecond: on.eventsPerSecond, ratioToOff: round(on.eventsPerSecond / off.eventsPerSecond), stepsDuringRun: on.steps, secondsInTrainingSteps: on.trainingSeconds, runSeconds: round(events.length / on.eventsPerSecond) },
  };
}

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

function summary(r: ExperimentResult): Record<string, unknown> {
  return {
    trainEvents: r.trainEvents,
    transitions: r.transitions,
    steps: r.steps,
    trainSeconds: round(r.trainSeconds),
    heldOutPairs: r.heldOutPairs,
    spearmanCritic: round(r.spearmanCritic),
    spearmanPastEngagements: round(r.spearmanEngagements),
    atCutoff: { pairs: r.cutoff.pairs, spearmanCritic: round(r.cutoff.spearmanCritic), spearmanPastEngagements: round(r.cutoff.spearmanEngagements), spearmanOracle: r.cutoff.spearmanOracle === undefined ? null : round(r.cutoff.spearmanOracle) },
    giftHead: { sharedTrunk: round(r.spearmanGiftShared), giftOnly: r.spearmanGiftCompare === undefined ? null : round(r.spearmanGiftCompare) },
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Wall seconds of each part of this bench, for the JSON. */
const phaseSeconds: Record<string, number> = {};
async function phase<T>(name: string, part: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await part();
  } finally {
    phaseSeconds[name] = Math.round((performance.now() - started) / 100) / 10;
  }
}

const only = process.env['LIFELONG_BENCH_ONLY'];
const result = only === 'topology' ? { topology: await phase('topology', topologyThroughput) } : {
  training: [await phase('trainingDefault', () => training('default (trunk 64-64, heads 32)', {})), await phase('trainingTest', () => training('test (trunk 32-32, heads 16)', { architecture: { trunkUnits: [32, 32], headUnits: 16 }, batchSize: 128 }))],
  inference: await phase('inference', inference),
  topology: await phase('topology', topologyThroughput),
  quality: await phase('quality', async () => {
    const [sparse, dense] = await Promise.all([
      experimentInWorker({ ...EXPERIMENT, oracleSamples: 20, compareWith: { lossWeights: [0, 0, 1, 0] } }),
      experimentInWorker({ ...EXPERIMENT, transitions: 'dense' }),
    ]);
    return { sparse: summary(sparse), dense: summary(dense), note: 'both experiments at once, in two worker threads (trainSeconds are wall seconds while sharing the cores)' };
  }),
};
process.stdout.write(JSON.stringify({ ...result, phaseSeconds }) + '\n');
