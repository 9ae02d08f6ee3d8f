/**
 * Resident bytes per user across all stores at 1,000,000 users (issue 8; target ≤ 8 KiB).
 *
 * A sample of users (`BENCH_MEMORY_SAMPLE_USERS`, default 2,000, three days of the
 * generator's sessions each) goes through a whole in-memory instance; their final
 * per-user state is read back from the changelogs, as a restarted instance would, and
 * restored into fresh stores under renamed keys until there are `BENCH_MEMORY_USERS`
 * (default 1,000,000) users. Restore is how a real instance fills its stores, so the
 * objects (and the names the interest codec shares through its pool) are what a running
 * instance holds. Heap + off-heap growth per user, per store and in total. When the
 * users would not fit in the heap, it measures at the largest count that does and says so.
 */
import { freemem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { changelogTopic } from '../../src/topology/topology.js';
import { SEEN_EVENTS_STORE } from '../../src/runtime/partition-task.js';
import { ChangelogStore, residentFormName, type ResidentForm, type ValueCodec } from '../../src/state/store.js';
import { benchInput } from './support/bench-events.js';
import { emit, gc, requireExposedGc, round } from './support/figures.js';
import { processAll, startInMemory } from './support/in-memory-instance.js';

requireExposedGc('memory bench');

const USERS = Number(process.env['BENCH_MEMORY_USERS'] ?? 1_000_000);
const SAMPLE_USERS = Number(process.env['BENCH_MEMORY_SAMPLE_USERS'] ?? 2_000);
/**
 * What-if: `store=bytes|objects,…` holds the named stores in that form instead of their
 * definition's (the figure then describes no shipped configuration, and says so).
 */
const RESIDENT_OVERRIDES = new Map(
  (process.env['BENCH_MEMORY_RESIDENT'] ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const [name, form] = pair.split('=');
      if (form !== 'bytes' && form !== 'objects') throw new Error(`BENCH_MEMORY_RESIDENT: ${pair} is not store=bytes|objects`);
      return [name!, form as ResidentForm] as const;
    }),
);
/**
 * At most this many users are filled (default 100,000): bytes per user are flat in the
 * count (runs at 51,454 and 98,950 users agreed within 1%), and the default run took
 * 58 s on a 2-core machine (a fill toward 1,000,000 takes minutes).
 */
const MAX_FILL_USERS = Number(process.env['BENCH_MEMORY_MAX_FILL_USERS'] ?? 100_000);
const TARGET_BYTES = 8 * 1024;
/** The generator's three days come to about 130–140 events per user. */
const SAMPLE_EVENTS = SAMPLE_USERS * 130;

interface StoreSample {
  readonly name: string;
  readonly codec: ValueCodec<unknown>;
  /** How the application holds the store (its definition's form), unless overridden. */
  readonly resident: ResidentForm;
  /** Final value per key, as changelog bytes. */
  readonly values: Map<string, Buffer>;
}

/** Per-user stores of the application after the sample, read back from their changelogs. */
async function sampleStores(): Promise<{ stores: StoreSample[]; users: number; events: number }> {
  const input = benchInput(SAMPLE_EVENTS);
  const run = await startInMemory(4);
  try {
    await processAll(run, input);
    const definitions = [
      // As PartitionTask adds it.
      { ...SEEN_EVENTS_STORE, codec: SEEN_EVENTS_STORE.codec as ValueCodec<unknown> },
      ...run.topologies.flatMap((t) => t.stores.map((s) => ({ name: s.name, codec: s.codec as ValueCodec<unknown>, resident: s.resident ?? 'objects' }))),
    ];
    const stores: StoreSample[] = [];
    for (const { name, codec, resident } of definitions) {
      const values = new Map<string, Buffer>();
      await run.transport.readToEnd({
        topic: changelogTopic(run.config.applicationId, name),
        onRecord: (record) => {
          const key = record.key!.toString('utf8');
          if (record.value === null) values.delete(key);
          else values.set(key, record.value);
        },
      });
      stores.push({ name, codec, resident: RESIDENT_OVERRIDES.get(name) ?? resident, values });
    }
    return { stores, users: new Set(input.events.map((e) => e.userId)).size, events: input.events.length };
  } finally {
    await run.stop();
  }
}

function residentBytes(): number {
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/** Restores `copies` renamed copies of the sample's values into a fresh store. */
function fill({ name, codec, resident, values }: StoreSample, copies: number): ChangelogStore<unknown> {
  const store = new ChangelogStore<unknown>(name, codec, resident);
  for (let copy = 0; copy < copies; copy++) {
    for (const [key, value] of values) store.restore(Buffer.from(`${copy}~${key}`), value);
  }
  store.restored();
  return store;
}

/**
 * How many users fit in 15% of the heap left, or of the machine's free memory when that
 * is less, judged from one copy of the sample (restore makes garbage as it goes and the
 * maps double as they grow: a run took twice the pilot's estimate). The bench measures at
 * USERS when they fit and says so when it had to measure at fewer.
 */
function usersThatFit(sample: { stores: StoreSample[]; users: number }): number {
  const before = residentBytes();
  const pilot = sample.stores.map((store) => fill(store, 1));
  const perUser = (residentBytes() - before) / sample.users;
  pilot.length = 0;
  gc();
  // Also within the machine's free memory: other processes may hold much of it.
  const free = Math.min(getHeapStatistics().heap_size_limit - process.memoryUsage().heapUsed, freemem());
  return Math.floor((0.15 * free) / Math.max(perUser, 1));
}

const sample = await sampleStores();
const fits = usersThatFit(sample);
const limits = [
  { users: fits, why: "would not fit in this process's heap or the machine's free memory at the measured bytes per user" },
  { users: MAX_FILL_USERS, why: `exceeds BENCH_MEMORY_MAX_FILL_USERS (${MAX_FILL_USERS}), which keeps the run short` },
].filter((limit) => limit.users < USERS);
const binding = limits.sort((a, b) => a.users - b.users)[0];
const copies = Math.max(1, Math.floor(Math.min(USERS, binding?.users ?? USERS) / sample.users));
const users = copies * sample.users;
const filled: Array<ChangelogStore<unknown>> = [];
const perStore: Record<string, { resident: string; keysPerUser: number; bytesPerUser: number; changelogBytesPerUser: number }> = {};
let total = 0;
for (const store of sample.stores) {
  const { name, resident, values } = store;
  const before = residentBytes();
  filled.push(fill(store, copies));
  const bytes = residentBytes() - before;
  total += bytes;
  let changelogBytes = 0;
  for (const value of values.values()) changelogBytes += value.length;
  perStore[name] = { resident: residentFormName(resident), keysPerUser: round(values.size / sample.users, 2), bytesPerUser: round(bytes / users), changelogBytesPerUser: round(changelogBytes / sample.users) };
}
emit({
  users,
  requestedUsers: USERS,
  ...(RESIDENT_OVERRIDES.size > 0 ? { residentOverrides: Object.fromEntries(RESIDENT_OVERRIDES) } : {}),
  ...(users < USERS ? { note: `measured at ${users} users: ${USERS} ${binding?.why ?? 'do not divide into whole copies of the sample'}` } : {}),
  sample: { users: sample.users, events: sample.events, history: '3 days of generated sessions per user' },
  perStore,
  residentBytesPerUser: round(total / users),
  residentKiBPerUser: round(total / users / 1024, 2),
  targetKiB: TARGET_BYTES / 1024,
  withinTarget: total / users <= TARGET_BYTES,
  storesHeld: filled.reduce((n, s) => n + s.size, 0),
});
