import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Learner, type LearnerOptions } from '../../../src/learning/learner.js';
import { listCheckpoints } from '../../../src/learning/checkpoint-io.js';
import type { WorkerEngineChannel } from '../../../src/learning/worker-engine-channel.js';
import { isLifelongError } from '../../../src/errors/catalog.js';
import { RuntimeMetrics } from '../../../src/observability/metrics.js';
import type { ServiceContext } from '../../../src/runtime/service.js';
import { NODE_V8_FLAGS } from '../../../src/runtime/node-flags.js';

/**
 * The learner with its engine in a worker thread (the default mode): it trains there,
 * values and model versions come back to the main thread's cache, stop checkpoints, and
 * a worker that dies leaves record processing untouched.
 */
const root = mkdtempSync(join(tmpdir(), 'lifelong-learner-worker-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;

const FEATURES = ['a', 'b', 'c', 'd'];
const GAMMA = 0.5;
/** Every step earns one click: V_click(s) = 1 / (1 − γ) = 2 for the one state there is. */
const STATE = [1, 0.5, -0.5, 2];
const TARGET = 1 / (1 - GAMMA);

function learner(dir: string, overrides: Partial<LearnerOptions> = {}): Learner {
  return new Learner({
    featureNames: FEATURES,
    gammaPerHour: GAMMA,
    headWeights: { click: 1, follow: 0, gift: 0 },
    batchSize: 32,
    targetRefreshSteps: 20,
    replayCapacity: 2_000,
    learningRate: 5e-3,
    architecture: { trunkUnits: [16], headUnits: 8 },
    backend: 'wasm',
    minReplay: 64,
    trainingShare: 1,
    checkpoint: { dir, intervalMs: 300 },
    ...overrides,
  });
}

function context(): { logs: Array<Record<string, unknown>>; metrics: RuntimeMetrics; ctx: ServiceContext } {
  const logs: Array<Record<string, unknown>> = [];
  const metrics = new RuntimeMetrics();
  const logger: ServiceContext['logger'] = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  return { logs, metrics, ctx: { logger, metrics } };
}

function feed(sink: Learner, count: number): void {
  for (let i = 0; i < count; i++) sink.record({ key: 'pair', at: i, state: STATE, next: STATE, rewards: [1, 0, 0], click: 1, dtHours: 1 });
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Notes the pair's state until the cache holds a value computed by a model at least `version`. */
async function valueFrom(sink: Learner, version: number): Promise<number> {
  await until(() => {
    sink.noteState('pair', STATE);
    return (sink.cachedValue('pair')?.modelVersion ?? -1) >= version;
  }, `a cached value of model version ${version}`);
  return sink.cachedValue('pair')!.click;
}

describe('the learner with its engine in a worker thread', () => {
  test('trains in the worker: the loss falls, values reach the cache with the new model version, the worker logs through the main logger', async () => {
    const dir = join(root, `case-${dirs++}`);
    const { logs, metrics, ctx } = context();
    const service = learner(dir);
    await service.start(ctx);
    assert.equal(service.stats().mode, 'worker');
    const untrained = await valueFrom(service, 0);
    feed(service, 500);
    await until(() => service.steps >= 20 && service.stats().lastLoss !== undefined, 'the first steps');
    const earlyLoss = service.stats().lastLoss!;
    await until(() => service.steps >= 400 && service.modelVersion >= 1, '400 steps and a periodic checkpoint');
    const lateLoss = service.stats().lastLoss!;
    const trained = await valueFrom(service, service.modelVersion);
    console.log(`worker: loss ${earlyLoss.toFixed(4)} after ~20 steps → ${lateLoss.toFixed(4)} after ${service.steps}; V_click ${untrained.toFixed(3)} → ${trained.toFixed(3)} (target ${TARGET}), model version ${service.modelVersion}`);
    assert.ok(lateLoss < earlyLoss / 4, `loss ${earlyLoss} → ${lateLoss}`);
    assert.ok(Math.abs(trained - TARGET) < Math.abs(untrained - TARGET) / 2, `V_click ${untrained} → ${trained}, target ${TARGET}`);

    const text = await metrics.registry.metrics();
    assert.match(text, /lifelong_learner_backend\{backend="wasm"\} 1/);
    assert.match(text, /lifelong_learner_steps_total [1-9]\d*/);
    assert.match(text, /lifelong_learner_checkpoints_total\{outcome="saved"\} [1-9]/);
    assert.match(text, /lifelong_learner_step_duration_seconds_count [1-9]\d*/);
    const backend = logs.find((l) => l['msg'] === 'lifelong-value learner backend');
    assert.equal(backend?.['backend'], 'wasm', 'the worker says which backend is active, in the main logger');
    assert.ok(logs.some((l) => l['msg'] === 'lifelong-value critic trains in a worker thread'));
    await service.stop();
  });

  test('stop flushes what the main thread holds, checkpoints in the worker, and a new learner restores it', async () => {
    const dir = join(root, `case-${dirs++}`);
    const first = learner(dir, { checkpoint: { dir, intervalMs: 60_000 } });
    await first.start(context().ctx);
    feed(first, 200);
    await until(() => first.steps >= 50, '50 steps');
    // Staged but not yet posted when stop() begins: stop hands them over before the worker's last checkpoint.
    feed(first, 10);
    await first.stop();
    assert.equal(first.stats().transitionsAppended, 210);
    const saved = await listCheckpoints(dir);
    assert.equal(saved.length, 1, 'one checkpoint: the one taken on stop');
    assert.equal(first.modelVersion, saved[0]!.version, 'the version saved on stop came back to the main thread');

    const second = learner(dir);
    await second.start(context().ctx);
    const restored = second.stats().restoredFrom;
    assert.equal(restored?.version, saved[0]!.version);
    assert.equal(restored?.metadata.reason, 'shutdown');
    assert.ok(second.stats().totalSteps >= 50, 'steps carry over');
    assert.equal(second.modelVersion, saved[0]!.version);
    assert.ok(Math.abs((await valueFrom(second, saved[0]!.version)) - 0) > 0.1, 'the restored model is a trained one');
    await second.stop();
  });

  test('a worker that dies is logged and counted; records, noted states and cached values keep working', async () => {
    const dir = join(root, `case-${dirs++}`);
    const { logs, metrics, ctx } = context();
    // Restarted only after a minute: this test looks at the learner while its worker is down.
    const service = learner(dir, { restartBackoffMs: { initial: 60_000, max: 60_000 } });
    await service.start(ctx);
    feed(service, 300);
    await valueFrom(service, 0);
    await until(() => service.steps >= 10, 'a few steps');
    await (service as unknown as { channel: WorkerEngineChannel }).channel.terminate();
    await until(() => service.stats().engineFailure !== undefined, 'the failure to be noticed');
    const failure = logs.find((l) => l['level'] === 50 && String(l['msg']).includes('training engine failed'));
    assert.ok(failure, 'logged as an error');
    assert.match(String(failure['detail']), /exited unexpectedly/);
    assert.match(await metrics.registry.metrics(), /lifelong_learner_engine_failures_total 1/);
    const before = service.cachedValue('pair')!;

    const appended = service.stats().transitionsAppended;
    feed(service, 5_000);
    service.noteState('pair', STATE);
    service.noteState('other', STATE);
    assert.equal(service.stats().transitionsAppended, appended + 5_000, 'record() goes on');
    assert.equal(service.cachedValue('pair'), before, 'the cached value stays');
    assert.equal(service.cachedValue('other'), undefined);
    await service.stop();
  });

  test('a worker that dies is started again after its backoff, from the newest checkpoint, and trains on; stop cancels a pending restart', async () => {
    const dir = join(root, `case-${dirs++}`);
    const { logs, metrics, ctx } = context();
    const service = learner(dir, { restartBackoffMs: { initial: 200, max: 5_000 } });
    await service.start(ctx);
    feed(service, 300);
    await until(() => service.modelVersion >= 1, 'a periodic checkpoint');
    const channel = (): WorkerEngineChannel => (service as unknown as { channel: WorkerEngineChannel }).channel;
    const first = channel();
    await first.terminate();
    await until(() => service.stats().engineRestarts === 1 && service.stats().engineFailure === undefined, 'a new worker');
    assert.notEqual(channel(), first, 'another worker');
    const restored = service.stats().restoredFrom;
    assert.ok(restored !== undefined && restored.version >= 1, 'the new worker restored the newest checkpoint');
    assert.ok(logs.some((l) => l['msg'] === 'lifelong-value training worker restarts after a backoff' && l['delayMs'] === 200));
    // The new engine trains on what arrives now (its replay buffer started empty).
    assert.equal(service.steps, 0);
    feed(service, 300);
    await until(() => service.steps >= 20, 'steps in the new worker');
    await valueFrom(service, restored.version);
    const text = await metrics.registry.metrics();
    assert.match(text, /lifelong_learner_engine_failures_total 1/);
    assert.match(text, /lifelong_learner_engine_restarts_total 1/);

    // A second death in a row waits twice as long; stop() before then leaves no worker behind.
    await channel().terminate();
    await until(() => logs.some((l) => l['msg'] === 'lifelong-value training worker restarts after a backoff' && l['delayMs'] === 400), 'the doubled backoff');
    await service.stop();
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(service.stats().engineRestarts, 1, 'no restart after stop');
  });

  test('an engine that cannot start fails start() with its error, rebuilt on the main thread', async (t) => {
    try {
      const tfjsNode: string = '@tensorflow/tfjs-node';
      await import(tfjsNode);
      t.skip('tfjs-node is installed here');
      return;
    } catch {
      // expected: absent
    }
    const service = learner(join(root, `case-${dirs++}`), { backend: 'tfjs-node' });
    await assert.rejects(service.start(context().ctx), (error: unknown) => isLifelongError(error, 'LEARNER_BACKEND_UNAVAILABLE'));
    await service.stop();
  });

  test('functions cannot reach a worker: importer or afterStep need mode "inline"', async () => {
    const service = learner(join(root, `case-${dirs++}`), { afterStep: () => undefined });
    await assert.rejects(service.start(context().ctx), /use mode "inline"/);
    await service.stop();
  });
});

test('the worker starts in a process run with flags a worker may not be given (--max-old-space-size, --expose-gc, the shipped V8 flags)', () => {
  const fixture = new URL('../../fixtures/start-learner-worker.ts', import.meta.url).pathname;
  const child = spawnSync(process.execPath, ['--max-old-space-size=1024', '--expose-gc', ...NODE_V8_FLAGS, '--import', 'tsx', fixture], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /started wasm\nstopped/);
});
