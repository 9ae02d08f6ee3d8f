import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareFaultRun } from '../support/fault-harness.js';
import { stopWithin } from '../support/processor.js';
import { service } from '../support/service-control.js';
import { clickhouseUnreachable, kafkaUnreachable, serviceGate, waitFor } from '../support/services.js';

const skip = await serviceGate('fault: broker restart', kafkaUnreachable(), clickhouseUnreachable());

test('the Kafka broker stopped and restarted mid-stream: the processor carries on, nothing lost or doubled', { skip, timeout: 8 * 60_000 }, async (t) => {
  const fault = await prepareFaultRun(t, { users: 400, days: 3, seed: 44, partitions: 4, initialShare: 0.5 });
  t.after(() => {
    service('start', 'kafka');
  });
  const processor = fault.start('run', '--consumer-max-batch-records', '500', '--consumer-session-timeout-ms', '10000');
  await waitFor('a quarter of the input committed', async () => ((await fault.committed()) >= fault.total / 4 ? true : undefined), 3 * 60_000, 50);
  const stopped = performance.now();
  service('stop', 'kafka');
  service('start', 'kafka');
  const downMs = Math.round(performance.now() - stopped);
  await fault.produceRest();
  const before = await fault.committed();
  await waitFor('progress after the broker came back', async () => ((await fault.committed()) > before ? true : undefined), 3 * 60_000, 200);
  const recoveryMs = Math.round(performance.now() - stopped);
  await fault.waitAllCommitted(4 * 60_000);
  assert.equal(processor.child.exitCode, null, 'the processor survived the broker restart');
  assert.equal(await stopWithin(processor, 'SIGTERM', 60_000), 0);
  const report = await fault.verify();
  console.log(`>>> fault broker restart: ${JSON.stringify({ ...report, brokerDownMs: downMs, recoveryMs })}`);
});
