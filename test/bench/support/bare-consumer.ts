import kafkajs from 'kafkajs';

/**
 * The Kafka ceiling: a bare kafkajs consumer (its default fetch sizes) reading a whole
 * topic with no processing — no decode, no commit — from the moment it has joined its
 * group (its first fetch) to its last record. Events/s.
 */
export async function bareConsume(brokers: readonly string[], topic: string, total: number, timeoutMs: number): Promise<{ eventsPerSecond: number; seconds: number }> {
  const kafka = new kafkajs.Kafka({ clientId: 'bench-bare', brokers: [...brokers], logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-bare-${Date.now().toString(36)}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let started = 0;
  let finished = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    started = performance.now();
  });
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench: the bare consumer read ${seen} of ${total} within ${timeoutMs} ms`)), timeoutMs);
    void consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        seen += batch.messages.length;
        if (seen >= total && finished === 0) {
          finished = performance.now();
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  try {
    await done;
  } finally {
    await consumer.disconnect();
  }
  const seconds = (finished - started) / 1000;
  return { eventsPerSecond: Math.round(total / seconds), seconds: Math.round(seconds * 10) / 10 };
}
