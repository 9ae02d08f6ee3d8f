import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplayBuffer } from '../../../src/learning/replay-buffer.js';
import { SeededRandom } from '../../../src/sim/random.js';
import type { Transition } from '../../../src/learning/transition.js';
import { TransitionBatcher } from '../../../src/learning/transition-batcher.js';

const t = (i: number, dtHours = 1): Transition => ({ key: `k${i}`, at: i, state: [i, -i], next: [i + 0.5, -i - 0.5], rewards: [i, 0, 0], click: i % 2, dtHours });

test('holds at most its capacity and overwrites the oldest', () => {
  const buffer = new ReplayBuffer(3, 2);
  for (let i = 0; i < 5; i++) buffer.push(t(i));
  assert.equal(buffer.size, 3);
  assert.equal(buffer.appended, 5);
  const seen = new Set<number>();
  const batch = buffer.sample(200, new SeededRandom(1), 0.9);
  for (let row = 0; row < batch.size; row++) seen.add(batch.state[row * 2]!);
  assert.deepEqual([...seen].sort(), [2, 3, 4], 'transitions 0 and 1 were overwritten');
});

test('a sample keeps each transition whole and discounts by elapsed hours', () => {
  const buffer = new ReplayBuffer(10, 2);
  buffer.push(t(7, 2.5));
  const batch = buffer.sample(4, new SeededRandom(3), 0.9);
  for (let row = 0; row < 4; row++) {
    assert.deepEqual([...batch.state.subarray(row * 2, row * 2 + 2)], [7, -7]);
    assert.deepEqual([...batch.next.subarray(row * 2, row * 2 + 2)], [7.5, -7.5]);
    assert.deepEqual([...batch.rewards.subarray(row * 3, row * 3 + 3)], [7, 0, 0]);
    assert.equal(batch.click[row], 1);
    assert.ok(Math.abs(batch.discount[row]! - Math.pow(0.9, 2.5)) < 1e-6);
  }
});

test('refuses features of the wrong length', () => {
  assert.throws(() => new ReplayBuffer(4, 3).push(t(1)), /expected 3/);
});

test('transitions batched as rows (what the main thread posts to the worker) sample like transitions pushed one by one', () => {
  const one = new ReplayBuffer(4, 2);
  const rows = new ReplayBuffer(4, 2);
  const batcher = new TransitionBatcher(2, 3, 100);
  for (let i = 0; i < 6; i++) {
    one.push(t(i, i / 2));
    if (batcher.add(t(i, i / 2))) batcher.hold(batcher.take()!);
  }
  for (const batch of batcher.drain()) rows.pushRows(batch.rows, batch.count);
  assert.equal(rows.size, 4);
  assert.equal(rows.appended, 6);
  assert.deepEqual(rows.sample(50, new SeededRandom(9), 0.9), one.sample(50, new SeededRandom(9), 0.9));
});

test('batches waiting for the engine are bounded: the oldest are dropped and counted', () => {
  const batcher = new TransitionBatcher(2, 2, 4);
  for (let i = 0; i < 10; i++) if (batcher.add(t(i))) batcher.hold(batcher.take()!);
  const kept = batcher.drain();
  assert.deepEqual(kept.map((b) => b.count), [2, 2]);
  assert.equal(batcher.dropped, 6);
  assert.equal(kept[1]!.rows[0], 8, 'the newest are kept');
});
