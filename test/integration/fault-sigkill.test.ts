import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../../src/sim/random.js';
import { prepareFaultRun, restoreTimes } from '../support/fault-harness.js';
import { stopWithin } from '../support/processor.js';
import { clickhouseUnreachable, kafkaUnreachable, serviceGate, waitFor } from '../support/services.js';

const skip = await serviceGate('fault: SIGKILL', kafkaUnreachable(), clickhouseUnreachable());

test('killed with SIGKILL at 5 random points and restarted each time: same rows, same stores, nothing lost or doubled', { skip, timeout: 10 * 60_000 }, async (t) => {
  const fault = await prepareFaultRun(t, { users: 500, days: 3, seed: 21, partitions: 4 });
  const random = new SeededRandom(5);
  const started = performance.now();
  const kills: Array<{ at: number; recoveryMs: number }> = [];
  const extra = ['--consumer-max-batch-records', '500', '--consumer-session-timeout-ms', '6000'];
  let processor = fault.start('run-0', ...extra);
  for (let kill = 1; kill <= 5; kill++) {
    // A random share of the remaining input, so kills land at different points.
    const before = await fault.committed();
    const target = before + Math.max(1, Math.floor(((fault.total - before) * random.int(10, 30)) / 100));
    await waitFor(`progress to ${target}`, async () => {
      const now = await fault.committed();
      return now >= target ? now : undefined;
    }, 3 * 60_000, 50);
    processor.child.kill('SIGKILL');
    await processor.exited;
    // Measured after the exit: the killed process may have committed once more.
    const atKill = await fault.committed();
    const restarted = performance.now();
    processor = fault.start(`run-${kill}`, ...extra);
    await waitFor('progress after the restart', async () => ((await fault.committed()) > atKill ? true : undefined), 3 * 60_000, 100);
    kills.push({ at: atKill, recoveryMs: Math.round(performance.now() - restarted) });
  }
  await fault.waitAllCommitted(5 * 60_000);
  assert.equal(await stopWithin(processor, 'SIGTERM', 60_000), 0);
  const report = await fault.verify();
  const restores = restoreTimes(processor.logFile);
  console.log(`>>> fault SIGKILL×5: ${JSON.stringify({ ...report, kills, seconds: Math.round((performance.now() - started) / 1000), lastRestoreMs: restores })}`);
  assert.ok(kills.every((k) => k.at < fault.total), 'every kill came mid-stream');
});
