import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend, type ModuleImporter } from '../../../src/learning/backend.js';
import { Learner, type LearnerOptions } from '../../../src/learning/learner.js';
import type { TF } from '../../../src/learning/tf.js';
import { isLifelongError } from '../../../src/errors/catalog.js';
import { RuntimeMetrics } from '../../../src/observability/metrics.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { lifelongValueFeatureNames } from '../../../topologies/lifelong-value/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lifelong-backend-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const real: ModuleImporter = (specifier) => import(specifier);
const without = (...missing: string[]): ModuleImporter => (specifier) => (missing.includes(specifier) ? Promise.reject(new Error(`Cannot find package '${specifier}'`)) : real(specifier));

async function tfjsNodeImportable(): Promise<boolean> {
  try {
    await real('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

const FEATURES = lifelongValueFeatureNames();
const options = (overrides: Partial<LearnerOptions>): LearnerOptions => ({
  featureNames: FEATURES,
  gammaPerHour: 0.95,
  headWeights: { click: 1, follow: 1, gift: 1 },
  batchSize: 16,
  targetRefreshSteps: 10,
  replayCapacity: 100,
  architecture: { trunkUnits: [16, 16], headUnits: 8 },
  checkpoint: { dir, intervalMs: 60_000 },
  ...overrides,
});
const probe = Array.from({ length: 64 }, (_, row) => FEATURES.map((_, i) => Math.sin(row * 7 + i) * 3));

describe('backend selection', () => {
  test('auto: tfjs-node when importable, otherwise wasm (here: absent, so wasm)', async () => {
    const selection = await selectBackend('auto');
    if (await tfjsNodeImportable()) {
      assert.equal(selection.backend, 'tensorflow');
    } else {
      assert.equal(selection.backend, 'wasm');
      assert.equal(selection.module, '@tensorflow/tfjs');
      assert.equal(selection.attempts[0]!.module, '@tensorflow/tfjs-node');
      assert.ok(selection.attempts[0]!.error, 'the reason tfjs-node was skipped is kept');
    }
    assert.equal(selection.tf.getBackend(), selection.backend);
  });

  test('auto falls back to the cpu backend when wasm cannot start either', async () => {
    const selection = await selectBackend('auto', without('@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm'));
    assert.equal(selection.backend, 'cpu');
    assert.deepEqual(selection.attempts.map((a) => [a.backend, a.error === undefined]), [['tensorflow', false], ['wasm', false], ['cpu', true]]);
  });

  test('an explicit backend that cannot start fails with LIFELONG_ERR_LEARNER_BACKEND_UNAVAILABLE', async () => {
    await assert.rejects(selectBackend('tfjs-node', without('@tensorflow/tfjs-node')), (error: unknown) => {
      assert.ok(isLifelongError(error, 'LEARNER_BACKEND_UNAVAILABLE'));
      assert.match(error.message, /no TensorFlow.js backend could start \(wanted tfjs-node\): @tensorflow\/tfjs-node \(tensorflow\): Cannot find package/);
      return true;
    });
  });

  test('the learner logs its backend at start and exposes it as a metric', async () => {
    const metrics = new RuntimeMetrics();
    const lines: string[] = [];
    const { pino } = await import('pino');
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const learner = new Learner(options({ backend: 'auto', importer: without('@tensorflow/tfjs-node'), mode: 'inline' }));
    await learner.start({ logger, metrics });
    try {
      assert.equal(learner.backend, 'wasm');
      const text = await metrics.registry.metrics();
      assert.match(text, /lifelong_learner_backend\{backend="wasm"\} 1/);
      assert.match(text, /lifelong_learner_model_version \d/);
      const started = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['msg'] === 'lifelong-value learner backend');
      assert.equal(started?.['backend'], 'wasm');
      assert.ok(lines.some((l) => l.includes('TensorFlow.js backend not available') && l.includes('@tensorflow/tfjs-node')), 'the skipped backend is logged with its reason');
    } finally {
      await learner.stop();
    }
  });

  test('a checkpoint gives the same predictions on every available backend (to 1e-4)', async () => {
    const wasm = new Learner(options({ backend: 'wasm', seed: 5 }));
    await wasm.init();
    for (let i = 0; i < 64; i++) wasm.record({ key: `k${i}`, at: i, state: probe[i]!, next: probe[(i + 1) % 64]!, rewards: [i % 2, (i % 7) / 7, i % 3], click: i % 2, dtHours: 1 });
    await wasm.trainSteps(30);
    const version = await wasm.checkpoint();
    const reference = wasm.predictStates(probe);
    await wasm.stop();

    const backends: Array<'cpu' | 'tfjs-node'> = ['cpu'];
    if (await tfjsNodeImportable()) backends.push('tfjs-node');
    for (const backend of backends) {
      const other = new Learner(options({ backend }));
      await other.init();
      try {
        assert.equal(other.modelVersion, version);
        const predicted = other.predictStates(probe);
        let worst = 0;
        predicted.forEach((p, i) => {
          const r = reference[i]!;
          worst = Math.max(worst, Math.abs(p.click - r.click), Math.abs(p.follow - r.follow), Math.abs(p.gift - r.gift), Math.abs(p.clickProbability - r.clickProbability));
        });
        console.log(`wasm vs ${other.backend}: largest difference over ${probe.length} pairs × 4 outputs = ${worst.toExponential(2)}`);
        assert.ok(worst < 1e-4, `${backend}: ${worst}`);
      } finally {
        await other.stop();
      }
    }
  });

  test('tfjs-node is preferred when it imports (simulated by a stand-in registering a "tensorflow" backend)', async () => {
    const tf = (await real('@tensorflow/tfjs')) as TF;
    const standIn: ModuleImporter = async (specifier) => {
      if (specifier !== '@tensorflow/tfjs-node') return real(specifier);
      // What tfjs-node does on import: register its native backend under this name (here backed by the cpu kernels).
      if (!tf.findBackendFactory('tensorflow')) tf.registerBackend('tensorflow', tf.findBackendFactory('cpu')!, 3);
      return tf;
    };
    const selection = await selectBackend('auto', standIn);
    assert.equal(selection.backend, 'tensorflow');
    assert.equal(selection.module, '@tensorflow/tfjs-node');
    assert.deepEqual(selection.attempts.map((a) => a.backend), ['tensorflow']);
    const learner = new Learner(options({ importer: standIn, logger: silentLogger(), checkpoint: { dir: join(dir, 'stand-in'), intervalMs: 60_000 } }));
    await learner.init();
    assert.equal(learner.backend, 'tensorflow');
    await learner.stop();
  });
});
