import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Learner, type LearnerOptions } from '../../../src/learning/learner.js';
import { checkpointDirName, listCheckpoints, MODEL_FILE, versionedCheckpointHandler, WEIGHTS_FILE } from '../../../src/learning/checkpoint-io.js';
import { isLifelongError } from '../../../src/errors/catalog.js';
import { lifelongValueFeatureNames } from '../../../topologies/lifelong-value/index.js';

const root = mkdtempSync(join(tmpdir(), 'lifelong-checkpoints-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(root, `case-${dirs++}`);

const FEATURES = lifelongValueFeatureNames();
const probe = [FEATURES.map((_, i) => i / 10), FEATURES.map((_, i) => (i % 3) - 1), FEATURES.map(() => 2)];

/** A learner whose logs are collected, so refusals can be read back. */
function learner(dir: string, overrides: Partial<LearnerOptions> = {}): { learner: Learner; logs: Array<Record<string, unknown>> } {
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  return {
    logs,
    learner: new Learner({
      featureNames: FEATURES,
      gammaPerHour: 0.95,
      headWeights: { click: 1, follow: 2, gift: 3 },
      batchSize: 32,
      targetRefreshSteps: 10,
      replayCapacity: 1_000,
      architecture: { trunkUnits: [16], headUnits: 8 },
      backend: 'wasm',
      checkpoint: { dir, intervalMs: 60_000, keep: 3 },
      logger,
      ...overrides,
    }),
  };
}

/** A learner trained a little, so its weights differ from any fresh one. */
async function trained(dir: string, steps = 20, seed = 1): Promise<Learner> {
  const { learner: l } = learner(dir, { seed });
  await l.init();
  for (let i = 0; i < 200; i++) l.record({ key: `k${i % 7}`, at: i, state: probe[i % 3]!, next: probe[(i + 1) % 3]!, rewards: [i % 2, 0, (i % 5) / 5], click: i % 2, dtHours: 1 + (i % 4) });
  await l.trainSteps(steps);
  return l;
}

const values = (l: Learner): number[] => l.predictStates(probe).flatMap((v) => [v.click, v.follow, v.gift, v.clickProbability]);

describe('checkpoints', () => {
  test('round trip: saved weights come back exactly, with growing versions and cumulative steps', async () => {
    const dir = freshDir();
    const first = await trained(dir, 20);
    assert.equal(await first.checkpoint('manual'), 1);
    await first.trainSteps(5);
    assert.equal(await first.checkpoint('manual'), 2);
    await first.trainSteps(3);
    const expected = values(first);
    await first.stop(); // saves version 3 (trained since the last save)
    assert.deepEqual((await listCheckpoints(dir)).map((c) => c.version), [3, 2, 1]);

    const { learner: second } = learner(dir, { seed: 99 });
    await second.init();
    assert.equal(second.modelVersion, 3);
    assert.equal(second.stats().restoredFrom?.metadata.reason, 'shutdown');
    assert.equal(second.stats().totalSteps, 28, 'steps carry over');
    assert.deepEqual(values(second), expected, 'identical predictions after the round trip');
    await second.stop();
    assert.equal((await listCheckpoints(dir))[0]!.version, 3, 'nothing trained, nothing saved on stop');

    const json = JSON.parse(readFileSync(join(dir, checkpointDirName(3), MODEL_FILE), 'utf8')) as { format: string; weightsManifest: Array<{ paths: string[] }>; userDefinedMetadata: { lifelong: { modelVersion: number; featureNames: string[] } } };
    assert.equal(json.format, 'lifelong-critic');
    assert.deepEqual(json.weightsManifest[0]!.paths, [WEIGHTS_FILE]);
    assert.equal(json.userDefinedMetadata.lifelong.modelVersion, 3);
    assert.deepEqual(json.userDefinedMetadata.lifelong.featureNames, FEATURES);
  });

  test('a corrupt newest checkpoint is refused with a clear error and the previous good one is used', async () => {
    const dir = freshDir();
    const first = await trained(dir, 10);
    await first.checkpoint();
    const good = values(first);
    await first.trainSteps(10);
    await first.checkpoint();
    await first.stop();
    const weights = join(dir, checkpointDirName(2), WEIGHTS_FILE);
    const bytes = readFileSync(weights);
    bytes[17] = bytes[17]! ^ 0xff;
    writeFileSync(weights, bytes);

    const { learner: second, logs } = learner(dir);
    await second.init();
    assert.equal(second.modelVersion, 1, 'fell back to version 1');
    assert.deepEqual(values(second), good);
    const refusal = logs.find((l) => l['code'] === 'LIFELONG_ERR_CHECKPOINT_REFUSED');
    assert.ok(refusal, 'the refusal is logged with its code');
    assert.match(String(refusal['msg']), /checkpoint .*v0000000002 refused: weights\.bin does not match its SHA-256/);
    assert.equal(await second.checkpoint(), 3, 'the refused version number is never reused');
    await second.stop();
  });

  test('truncated or missing files are refused; with nothing usable the model starts fresh', async () => {
    const dir = freshDir();
    const first = await trained(dir);
    await first.checkpoint();
    await first.stop();
    const model = join(dir, checkpointDirName(1), MODEL_FILE);
    writeFileSync(model, readFileSync(model, 'utf8').slice(0, 100));
    mkdirSync(join(dir, checkpointDirName(2)));

    const { learner: second, logs } = learner(dir);
    await second.init();
    assert.equal(second.modelVersion, 0, 'a fresh model');
    assert.equal(second.stats().restoredFrom, undefined);
    const reasons = logs.filter((l) => l['code'] === 'LIFELONG_ERR_CHECKPOINT_REFUSED').map((l) => String(l['reason']));
    assert.equal(reasons.length, 2);
    assert.ok(reasons.every((r) => /model\.json is missing or not valid JSON/.test(r)), reasons.join(' | '));
    await second.stop();
  });

  test('an incompatible checkpoint (other architecture or features) is refused with what differs', async () => {
    const dir = freshDir();
    const first = await trained(dir);
    await first.checkpoint();
    await first.stop();

    const { learner: wider, logs } = learner(dir, { architecture: { trunkUnits: [32], headUnits: 8 } });
    await wider.init();
    assert.equal(wider.modelVersion, 0);
    assert.match(String(logs.find((l) => l['code'] === 'LIFELONG_ERR_CHECKPOINT_REFUSED')?.['reason']), /incompatible architecture .*"trunkUnits":\[16\].*the configured model is .*"trunkUnits":\[32\]/);
    await wider.stop();

    const { learner: moreFeatures, logs: logs2 } = learner(dir, { featureNames: [...FEATURES, 'affinity'] });
    await moreFeatures.init();
    assert.equal(moreFeatures.modelVersion, 0);
    assert.match(String(logs2.find((l) => l['code'] === 'LIFELONG_ERR_CHECKPOINT_REFUSED')?.['reason']), /incompatible/);
    await moreFeatures.stop();
  });

  test('saves are atomic: leftovers of a crashed save are ignored and cleaned, versions are never overwritten, old ones pruned', async () => {
    const dir = freshDir();
    const first = await trained(dir);
    for (let i = 0; i < 4; i++) await first.checkpoint();
    assert.deepEqual((await listCheckpoints(dir)).map((c) => c.version), [4, 3, 2], 'keeps the newest 3');
    mkdirSync(join(dir, '.tmp-v0000000005-1234-abcd'));
    writeFileSync(join(dir, '.tmp-v0000000005-1234-abcd', WEIGHTS_FILE), 'half a file');
    await first.stop();

    const { learner: second } = learner(dir);
    await second.init();
    assert.equal(second.modelVersion, 4, 'the temporary directory is not a checkpoint');
    assert.ok(!readdirSync(dir).some((name) => name.startsWith('.tmp-')), 'and it was removed');
    await second.stop();

    const handler = versionedCheckpointHandler(dir, 4);
    await assert.rejects(handler.save({ weightSpecs: [], weightData: new ArrayBuffer(0) }), /already exists/);
    assert.ok(existsSync(join(dir, checkpointDirName(4), MODEL_FILE)), 'the existing version is untouched');
  });

  test('a save that cannot write fails with LIFELONG_ERR_CHECKPOINT_SAVE_FAILED', async () => {
    const file = join(root, 'not-a-directory');
    writeFileSync(file, 'x');
    const { learner: l } = learner(join(file, 'checkpoints'));
    await l.init();
    await assert.rejects(l.checkpoint(), (error: unknown) => isLifelongError(error, 'CHECKPOINT_SAVE_FAILED'));
    await l.stop();
  });
});
