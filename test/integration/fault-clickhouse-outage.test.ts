import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opsPort, prepareFaultRun } from '../support/fault-harness.js';
import { stopWithin } from '../support/processor.js';
import { rssBytes, service } from '../support/service-control.js';
import { clickhouseUnreachable, kafkaUnreachable, serviceGate, waitFor } from '../support/services.js';

const skip = await serviceGate('fault: ClickHouse outage', kafkaUnreachable(), clickhouseUnreachable());
const OUTAGE_MS = 30_000;
const BATCH = 500;
const PARTITIONS = 4;

test('ClickHouse down for 30 s mid-stream: consumption pauses, /readyz says not ready, memory stays bounded, nothing lost', { skip, timeout: 8 * 60_000 }, async (t) => {
  // Half the input is there at the start; the other half arrives while ClickHouse is down.
  const fault = await prepareFaultRun(t, { users: 400, days: 3, seed: 33, partitions: PARTITIONS, initialShare: 0.5 });
  t.after(() => {
    // Whatever happens, leave the shared server running for the tests after this one.
    service('start', 'clickhouse');
  });
  const processor = fault.start('run', '--consumer-max-batch-records', String(BATCH), '--sink-max-buffered-rows', '200', '--sink-max-batch-delay-ms', '100');
  const port = await opsPort(processor.logFile);
  const readyz = async (): Promise<number> => (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(processor.child.pid!) ?? 0)), 250);
  t.after(() => clearInterval(sampler));

  await waitFor('a fifth of the input committed', async () => ((await fault.committed()) >= fault.total / 5 ? true : undefined), 3 * 60_000, 50);
  service('stop', 'clickhouse');
  const down = performance.now();
  await fault.produceRest();
  await waitFor('/readyz to answer 503', async () => ((await readyz()) === 503 ? true : undefined), 20_000, 100);
  const atNotReady = await fault.committed();
  const remaining = OUTAGE_MS - (performance.now() - down);
  if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining)); // the outage itself: 30 s by definition
  const atRecovery = await fault.committed();
  assert.equal(await readyz(), 503, 'still not ready at the end of the outage');
  assert.ok(atRecovery < fault.total, 'input was left when ClickHouse came back');
  // Only batches already past their sink write may commit: at most one per partition.
  assert.ok(atRecovery - atNotReady <= BATCH * PARTITIONS, `consumption paused (${atRecovery - atNotReady} records committed while down)`);

  service('start', 'clickhouse');
  const up = performance.now();
  await waitFor('/readyz to answer 200 again', async () => ((await readyz()) === 200 ? true : undefined), 60_000, 100);
  const recoveryMs = Math.round(performance.now() - up);
  await fault.waitAllCommitted(3 * 60_000);
  assert.equal(await stopWithin(processor, 'SIGTERM', 60_000), 0);
  const report = await fault.verify();
  console.log(`>>> fault ClickHouse outage 30 s: ${JSON.stringify({ ...report, committedWhileDown: atRecovery - atNotReady, recoveryMs, peakRssMiB: Math.round(peakRss / 1048576) })}`);
  assert.ok(peakRss > 0 && peakRss < 600 * 1024 * 1024, `peak RSS ${Math.round(peakRss / 1048576)} MiB stays bounded`);
});
