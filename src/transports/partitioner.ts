import kafkajs from 'kafkajs';

/**
 * Partition of a keyed record: Kafka's murmur2 partitioner (Java-compatible), shared by
 * both transports so the embedded log partitions exactly like a broker would.
 */
export function partitionForKey(topic: string, key: Buffer | null, partitions: number): number {
  const metadata = partitionMetadataFor(partitions);
  return defaultPartitioner({ topic, partitionMetadata: metadata, message: { key, value: null } });
}

const defaultPartitioner = kafkajs.Partitioners.DefaultPartitioner();
const metadataCache = new Map<number, kafkajs.PartitionMetadata[]>();

function partitionMetadataFor(count: number): kafkajs.PartitionMetadata[] {
  let metadata = metadataCache.get(count);
  if (!metadata) {
    metadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [], partitionErrorCode: 0 }));
    metadataCache.set(count, metadata);
  }
  return metadata;
}
