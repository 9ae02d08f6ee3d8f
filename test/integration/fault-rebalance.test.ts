import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logLines, prepareFaultRun, restoreTimes } from '../support/fault-harness.js';
import { stopWithin, type ProcessorProcess } from '../support/processor.js';
import { clickhouseUnreachable, kafkaUnreachable, serviceGate, waitFor } from '../support/services.js';

const skip = await serviceGate('fault: rebalance', kafkaUnreachable(), clickhouseUnreachable());
const PARTITIONS = 6;

/** The partitions an instance owns according to its latest assignment log line. */
function owned(processor: ProcessorProcess): number[] {
  const assignments = logLines(processor.logFile).filter((l) => l['msg'] === 'assigned');
  return (assignments[assignments.length - 1]?.['assigned'] as number[] | undefined) ?? [];
}

function assignments(processor: ProcessorProcess): number {
  return logLines(processor.logFile).filter((l) => l['msg'] === 'assigned').length;
}

test('three instances in one group: one killed, one added; partitions move, state is restored from changelogs, results exact', { skip, timeout: 10 * 60_000 }, async (t) => {
  const fault = await prepareFaultRun(t, { users: 600, days: 3, seed: 66, partitions: PARTITIONS, initialShare: 0.4 });
  const extra = ['--consumer-max-batch-records', '500', '--consumer-session-timeout-ms', '6000', '--consumer-concurrency', '2'];
  const [a, b, c] = ['a', 'b', 'c'].map((name) => fault.start(name, ...extra)) as [ProcessorProcess, ProcessorProcess, ProcessorProcess];
  await waitFor('all three instances to own partitions', async () => ([a, b, c].every((p) => owned(p).length > 0) ? true : undefined), 2 * 60_000, 200);
  await waitFor('a fifth of the input committed', async () => ((await fault.committed()) >= fault.total / 5 ? true : undefined), 3 * 60_000, 100);

  const lost = owned(b);
  b.child.kill('SIGKILL');
  await b.exited;
  const killed = performance.now();
  const d = fault.start('d', ...extra);
  await fault.produceRest();
  await waitFor('the new instance to own partitions', async () => (owned(d).length > 0 ? true : undefined), 2 * 60_000, 200);
  await waitFor(`the killed instance's partitions ${lost.join(',')} to be owned again`, async () => (lost.every((p) => [a, c, d].some((q) => owned(q).includes(p))) ? true : undefined), 2 * 60_000, 200);
  const movedMs = Math.round(performance.now() - killed);
  await fault.waitAllCommitted(5 * 60_000);

  for (const processor of [a, c, d]) assert.equal(processor.child.exitCode, null, `${processor.logFile} still running`);
  const restores = [a, c, d].flatMap((p) => restoreTimes(p.logFile));
  const rebalances = [a, c, d].map(assignments);
  for (const processor of [a, c, d]) assert.equal(await stopWithin(processor, 'SIGTERM', 60_000), 0);
  const report = await fault.verify();
  console.log(`>>> fault rebalance (3 instances, 1 killed, 1 added): ${JSON.stringify({ ...report, partitionsMovedMs: movedMs, restoreMs: restores, assignmentsPerInstance: rebalances })}`);
  // Joins, one departure and one arrival: a handful of assignments each, not a storm.
  for (const count of rebalances) assert.ok(count <= 8, `no rebalance storm (${rebalances.join(', ')} assignments)`);
});
