import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { ROOT, topicScriptLines } from '../support/deploy.js';
import { TEST_BROKERS, kafkaUnreachable, serviceGate } from '../support/services.js';

/*
 * deploy/compose/create-topics.sh — the compose stack's topic job — run for real against
 * the Kafka 3.9.1 broker of deploy/local, with Kafka's own TopicCommand and ConfigCommand
 * (from the broker's Maven classpath, standing in for /opt/kafka/bin of the apache/kafka
 * image). Topic names get a unique prefix through the script's variables. Checks the
 * partitions and configs the broker reports, then that a second run is a no-op that
 * re-applies the configs.
 */
const classpathFile = join(process.env['LIFELONG_CACHE'] ?? join(ROOT, '.cache'), 'kafka', 'classpath.txt');
const javaMissing = spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0 ? undefined : 'java is not on PATH';
const skip = await serviceGate(
  'create-topics.sh against Kafka',
  kafkaUnreachable(),
  Promise.resolve(javaMissing),
  Promise.resolve(existsSync(classpathFile) ? undefined : `no Kafka classpath at ${classpathFile} (bash deploy/local/kafka.sh install)`),
);

describe('deploy/compose/create-topics.sh on a real broker', { skip }, () => {
  const prefix = `deploytopics${Date.now().toString(36)}`;
  const env = {
    BOOTSTRAP: TEST_BROKERS,
    PARTITIONS: '3',
    REPLICATION: '1',
    APPLICATION_ID: prefix,
    TOPICS_EVENTS: `${prefix}.events`,
    TOPICS_ITEMS: `${prefix}.items`,
    TOPICS_RECOMMENDATIONS: `${prefix}.recommendations`,
    TOPICS_DEAD_LETTER: `${prefix}.dead-letter`,
  };
  const expected = topicScriptLines(env);
  const bin = mkdtempSync(join(tmpdir(), 'lifelong-kafka-bin-'));
  const kafka = new kafkajs.Kafka({ clientId: 'deploy-topics-test', brokers: TEST_BROKERS.split(','), logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();

  const runScript = (): string => {
    const result = spawnSync('sh', [join(ROOT, 'deploy', 'compose', 'create-topics.sh')], { env: { ...process.env, ...env, KAFKA_BIN: bin }, encoding: 'utf8', timeout: 240_000 });
    assert.equal(result.status, 0, `create-topics.sh failed:\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  };

  before(async () => {
    const classpath = readFileSync(classpathFile, 'utf8').trim();
    const log4j = join(bin, 'tools-log4j.properties');
    writeFileSync(log4j, 'log4j.rootLogger=WARN, stderr\nlog4j.appender.stderr=org.apache.log4j.ConsoleAppender\nlog4j.appender.stderr.Target=System.err\nlog4j.appender.stderr.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stderr.layout.ConversionPattern=%p %m%n\n');
    for (const [script, main] of [['kafka-topics.sh', 'org.apache.kafka.tools.TopicCommand'], ['kafka-configs.sh', 'kafka.admin.ConfigCommand']] as const) {
      writeFileSync(join(bin, script), `#!/bin/sh\nexec java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Dlog4j.configuration=file:${log4j} -cp '${classpath}' ${main} "$@"\n`);
      chmodSync(join(bin, script), 0o755);
    }
    await admin.connect();
  });

  after(async () => {
    const existing = new Set(await admin.listTopics().catch(() => [] as string[]));
    const mine = expected.map((t) => t.name).filter((t) => existing.has(t));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
    await admin.disconnect();
    rmSync(bin, { recursive: true, force: true });
  });

  test('the script names topics under the test prefix only', () => {
    assert.ok(expected.length >= 8);
    for (const t of expected) assert.ok(t.name.startsWith(`${prefix}.`), t.name);
  });

  test('creates every topic with its partitions and configs', async () => {
    const out = runScript();
    for (const t of expected) assert.match(out, new RegExp(`topic ${t.name.replace(/\./g, '\\.')} created`));
    const metadata = await admin.fetchTopicMetadata({ topics: expected.map((t) => t.name) });
    for (const topic of metadata.topics) assert.equal(topic.partitions.length, 3, `${topic.name} partitions`);
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: expected.map((t) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name: t.name, configNames: [...t.configs.keys()] })),
    });
    for (const resource of described.resources) {
      const want = expected.find((t) => t.name === resource.resourceName)!;
      for (const [key, value] of want.configs) {
        assert.equal(resource.configEntries.find((e) => e.configName === key)?.configValue, value, `${resource.resourceName} ${key}`);
      }
    }
    const compacted = described.resources.filter((r) => r.configEntries.some((e) => e.configName === 'cleanup.policy' && e.configValue === 'compact')).map((r) => r.resourceName);
    assert.deepEqual(compacted.sort(), expected.filter((t) => t.name === `${prefix}.items` || t.name.endsWith('-changelog')).map((t) => t.name).sort());
  });

  test('a second run keeps the topics and re-applies their configs', async () => {
    const out = runScript();
    for (const t of expected) assert.match(out, new RegExp(`topic ${t.name.replace(/\./g, '\\.')} exists: configs applied`));
    const metadata = await admin.fetchTopicMetadata({ topics: expected.map((t) => t.name) });
    for (const topic of metadata.topics) assert.equal(topic.partitions.length, 3);
  });
});
