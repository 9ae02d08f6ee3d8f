/**
 * In-process throughput (issue 8), ratios against a ceiling measured in the same run:
 *
 * - ceiling: the Avro decode-only loop over the same records (events/s);
 * - pipeline: session-metrics + interest + lifelong-value on the in-memory transport,
 *   rows to the embedded ClickHouse engine, from produce to the last commit. Training is
 *   excluded: the learner is never started (its replay buffer still fills, as in
 *   production). Events/s of wall time, and events per CPU-second of the whole process
 *   ("per core": every thread — chdb's, GC's — counted), against the 200,000 target.
 *
 * `BENCH_INPROCESS_EVENTS` (default 400,000) sets the count. Last stdout line: JSON.
 */
import { AvroCodec, LocalSchemaRegistry } from '../../src/serde/avro.js';
import type { UserEvent } from '../../src/serde/records.js';
import { benchInput, type BenchInput } from './support/bench-events.js';
import { emit, perSecond, round } from './support/figures.js';
import { inMemoryRate } from './support/in-memory-instance.js';

const EVENTS = Number(process.env['BENCH_INPROCESS_EVENTS'] ?? 400_000);
const PARTITIONS = 4;
const TARGET_PER_CORE = 200_000;
/** What the target is set for; recommend has its own bench (slates). */
const TOPOLOGIES = ['session-metrics', 'interest', 'lifelong-value'];

/** Events/s of decoding every value with the runtime's codec; the second of two passes (warm). */
function decodeCeiling(input: BenchInput): number {
  const codec = new AvroCodec<UserEvent>('UserEvent', new LocalSchemaRegistry());
  let rate = 0;
  for (let pass = 0; pass < 2; pass++) {
    const started = performance.now();
    for (const value of input.values) codec.decode(value);
    rate = perSecond(input.values.length, performance.now() - started);
  }
  return rate;
}

const input = benchInput(EVENTS);
const ceiling = decodeCeiling(input);
const measured = await inMemoryRate(PARTITIONS, input, TOPOLOGIES);
emit({
  events: EVENTS,
  users: input.users,
  partitions: PARTITIONS,
  node: process.version,
  decodeCeilingEventsPerSecond: ceiling,
  pipeline: {
    topologies: TOPOLOGIES,
    training: 'off (learner not started)',
    sink: 'embedded ClickHouse (chdb)',
    ...measured,
    ratioToDecodeCeiling: round(measured.eventsPerSecond / ceiling, 3),
  },
  targetEventsPerCpuSecond: TARGET_PER_CORE,
  withinTarget: measured.eventsPerCpuSecond >= TARGET_PER_CORE,
});
