import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import kafkajs from 'kafkajs';
import { murmur2, partitionForKey } from '../../../src/transports/partitioner.js';

const kafkajsPartitioner = kafkajs.Partitioners.DefaultPartitioner();
const metadata = (count: number): kafkajs.PartitionMetadata[] => Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [], partitionErrorCode: 0 }));

test("keyed records land where kafkajs's Java-compatible partitioner puts them (every key length mod 4, any bytes)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 1024 }), (bytes, partitions) => {
      const key = Buffer.from(bytes);
      assert.equal(partitionForKey('t', key, partitions), kafkajsPartitioner({ topic: 't', partitionMetadata: metadata(partitions), message: { key, value: null } }));
    }),
    { numRuns: 2_000 },
  );
});

test("murmur2 gives the Java client's hashes", () => {
  // From Kafka's UtilsTest.testMurmur2 (org.apache.kafka.common.utils).
  const cases: Array<[string, number]> = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ];
  for (const [text, hash] of cases) assert.equal(murmur2(Buffer.from(text)), hash, text);
});
