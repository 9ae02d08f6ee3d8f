import kafkajs from 'kafkajs';

/**
 * Partition of a keyed record: Kafka's murmur2 partitioner (Java-compatible), shared by
 * both transports so the embedded log partitions exactly like a broker would.
 */
export function partitionForKey(topic: string, key: Buffer | null, partitions: number): number {
  if (key === null) return unkeyedPartitioner({ topic, partitionMetadata: partitionMetadataFor(partitions), message: { key, value: null } });
  return (murmur2(key) & 0x7fffffff) % partitions;
}

/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) in 32-bit integer
 * arithmetic. kafkajs's own emulates Java's ints with Long objects, several allocations
 * per call: the embedded log partitions every record it appends (changelogs included),
 * and that was the largest source of garbage on the in-process path.
 */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= data[whole + 2]! << 16;
    if (tail >= 2) h ^= data[whole + 1]! << 8;
    h ^= data[whole]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Records without a key are spread as kafkajs's producer spreads them. */
const unkeyedPartitioner = kafkajs.Partitioners.DefaultPartitioner();
const metadataCache = new Map<number, kafkajs.PartitionMetadata[]>();

function partitionMetadataFor(count: number): kafkajs.PartitionMetadata[] {
  let metadata = metadataCache.get(count);
  if (!metadata) {
    metadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [], partitionErrorCode: 0 }));
    metadataCache.set(count, metadata);
  }
  return metadata;
}
