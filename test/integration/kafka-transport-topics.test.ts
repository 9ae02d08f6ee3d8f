import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { silentLogger } from '../../src/observability/logger.js';
import { KafkaTransport } from '../../src/transports/kafka/kafka-transport.js';
import { TEST_BROKERS, kafkaUnreachable, serviceGate } from '../support/services.js';

/*
 * What the runtime asks of the broker before it starts: whether its input topic exists
 * (a fresh deployment has none yet) and how many partitions it has. A missing topic is
 * answered by the broker's topic list at once; its metadata would be retried by kafkajs
 * (UNKNOWN_TOPIC_OR_PARTITION is retriable) for half a minute before the runtime could
 * fall back to its configured partition count.
 */
const skip = await serviceGate('KafkaTransport topics against Kafka', kafkaUnreachable());

describe('KafkaTransport topics on a real broker', { skip }, () => {
  const prefix = `kttopics${Date.now().toString(36)}`;
  const transport = new KafkaTransport({ brokers: TEST_BROKERS.split(','), clientId: prefix, ssl: false, sessionTimeoutMs: 30_000, transactionTimeoutMs: 60_000, connectionTimeoutMs: 5_000 }, silentLogger());
  after(async () => {
    await transport.close();
    const admin = new kafkajs.Kafka({ clientId: `${prefix}-cleanup`, brokers: TEST_BROKERS.split(','), logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
  });

  test('a topic not created yet is reported missing at once; once created, it exists with its partitions', async () => {
    const topic = `${prefix}.events`;
    const asked = performance.now();
    assert.equal(await transport.hasTopic(topic), false);
    const seconds = (performance.now() - asked) / 1000;
    // kafkajs would retry the metadata of a missing topic for ~27 s; the topic list answers in one round trip.
    assert.ok(seconds < 5, `hasTopic took ${seconds.toFixed(1)} s for a missing topic`);
    await transport.ensureTopics([{ name: topic, partitions: 3 }]);
    assert.equal(await transport.hasTopic(topic), true);
    assert.equal(await transport.partitionCount(topic), 3);
  });
});
