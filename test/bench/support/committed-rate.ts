import type { Transport } from '../../../src/transports/contract.js';

export interface CommittedRate {
  readonly eventsPerSecond: number;
  readonly seconds: number;
  /** Events already committed at the first observation (left out of the rate). */
  readonly firstCommitted: number;
}

const POLL_MS = 200;

/**
 * Events/s of a consumer group over a topic, seen from outside the way any Kafka
 * client's progress can be seen: its committed offsets. The clock starts at the first
 * commit (so start-up, group join and the JVM's or Node's warm-up are left out alike),
 * or, given `ready`, at the first commit seen once `ready` holds; it stops when every
 * partition's committed offset reaches its end.
 */
export async function committedRate(transport: Transport, groupId: string, topic: string, timeoutMs: number, ready: () => Promise<boolean> = async () => true): Promise<CommittedRate> {
  const ends = await transport.endOffsets(topic);
  const total = [...ends.values()].reduce((a, b) => a + b, 0);
  const deadline = performance.now() + timeoutMs;
  let first: { at: number; committed: number } | undefined;
  for (;;) {
    const committed = [...(await transport.committedOffsets(groupId, topic)).values()].reduce((a, b) => a + b, 0);
    const at = performance.now();
    if (first === undefined && committed > 0 && committed < total && (await ready())) first = { at, committed };
    if (first === undefined && committed >= total) throw new Error(`bench: group ${groupId} committed the whole topic before the measurement could start`);
    if (first !== undefined && committed >= total) {
      const seconds = (at - first.at) / 1000;
      return { eventsPerSecond: Math.round((total - first.committed) / Math.max(seconds, 1e-3)), seconds: Math.round(seconds * 10) / 10, firstCommitted: first.committed };
    }
    if (performance.now() > deadline) throw new Error(`bench: group ${groupId} committed ${committed} of ${total} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Resolves once the group's committed offsets reach the topic's current end on every partition. */
export async function untilCommitted(transport: Transport, groupId: string, topic: string, timeoutMs: number): Promise<void> {
  const ends = await transport.endOffsets(topic);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const committed = await transport.committedOffsets(groupId, topic);
    if ([...ends].every(([partition, end]) => (committed.get(partition) ?? 0) >= end)) return;
    if (performance.now() > deadline) throw new Error(`bench: group ${groupId} did not commit ${topic} to its end within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
