import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withHeartbeats } from '../../../src/runtime/heartbeats.js';

test('heartbeats flow while the work is pending and stop when it settles', async () => {
  let beats = 0;
  let finish!: (value: string) => void;
  const work = new Promise<string>((resolve) => (finish = resolve));
  const waiting = withHeartbeats(work, async () => {
    beats++;
    if (beats === 3) finish('done');
  }, 1);
  assert.equal(await waiting, 'done');
  const after = beats;
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(beats, after, 'no heartbeat after the work settled');
  assert.equal(after, 3);
});

test('a failing heartbeat does not interrupt the work; the work\'s own failure is passed on', async () => {
  let beats = 0;
  let fail!: (error: Error) => void;
  const work = new Promise<void>((_, reject) => (fail = reject));
  const waiting = withHeartbeats(work, async () => {
    beats++;
    if (beats === 2) fail(new Error('sink closed'));
    throw new Error('rebalancing');
  }, 1);
  await assert.rejects(waiting, /sink closed/);
  assert.equal(beats, 2);
});
