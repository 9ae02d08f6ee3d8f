import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, redactedConfig, type Config } from '../../../src/config/config.js';
import { OPTIONS, envName, flagName } from '../../../src/config/options.js';
import { isLifelongError } from '../../../src/errors/catalog.js';

const dir = mkdtempSync(join(tmpdir(), 'lifelong-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function configFile(content: unknown): string {
  const file = join(dir, `config-${files++}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function rejects(load: () => unknown, ...mentions: string[]): void {
  assert.throws(load, (error: unknown) => {
    assert.ok(isLifelongError(error, 'CONFIG_INVALID'), `expected CONFIG_INVALID, got ${String(error)}`);
    for (const text of mentions) assert.ok(error.message.includes(text), `"${error.message}" should mention ${text}`);
    return true;
  });
}

function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
}

function valueAt(config: Config, path: string): unknown {
  return path.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], config);
}

describe('names', () => {
  test('flag and env names derive from the path', () => {
    assert.equal(flagName('sessionGapMs'), 'session-gap-ms');
    assert.equal(envName('sessionGapMs'), 'LIFELONG_SESSION_GAP_MS');
    assert.equal(flagName('topics.deadLetter'), 'topics-dead-letter');
    assert.equal(envName('clickhouse.url'), 'LIFELONG_CLICKHOUSE_URL');
    assert.equal(envName('limits.maxFutureSkewMs'), 'LIFELONG_LIMITS_MAX_FUTURE_SKEW_MS');
  });
});

describe('loadConfig', () => {
  test('defaults', () => {
    const config = loadConfig();
    assert.equal(config.applicationId, 'lifelong');
    assert.deepEqual(config.brokers, []);
    assert.equal(config.partitions, 4);
    assert.equal(config.sessionGapMs, 30 * 60_000);
    assert.equal(config.allowedLatenessMs, 5 * 60_000);
    assert.equal(config.wireFormat, 'auto');
    assert.equal(config.limits.maxRecordBytes, 1024 * 1024);
    assert.equal(config.limits.maxFutureSkewMs, 24 * 3_600_000);
    assert.equal(config.topics.deadLetter, 'lifelong.dead-letter');
    assert.equal(config.kafka.ssl, false);
    assert.equal(config.kafka.saslMechanism, 'none');
    assert.equal(config.http.enabled, true);
    assert.equal(config.http.port, 9464);
    assert.equal(config.log.level, 'info');
    assert.equal(config.clickhouse.password, '');
  });

  test('every option takes its declared default when nothing is set', () => {
    const config = loadConfig({ env: {} });
    for (const option of OPTIONS) assert.deepEqual(valueAt(config, option.path), option.default, option.path);
  });

  test('precedence: flag over env over file over default', () => {
    const file = configFile({ sessionGapMs: 3_000, allowedLatenessMs: 2_000, dedupeWindow: 7, topics: { events: 'file.events' } });
    const env = { LIFELONG_SESSION_GAP_MS: '4000', LIFELONG_ALLOWED_LATENESS_MS: '1000', LIFELONG_TOPICS_EVENTS: 'env.events' };
    const flags = { sessionGapMs: 5_000, 'topics.events': 'flag.events' };
    const config = loadConfig({ flags, env, file });
    assert.equal(config.sessionGapMs, 5_000, 'flag wins over env and file');
    assert.equal(config.topics.events, 'flag.events', 'flag wins for a nested path');
    assert.equal(config.allowedLatenessMs, 1_000, 'env wins over file');
    assert.equal(config.dedupeWindow, 7, 'file wins over default');
    assert.equal(config.partitions, 4, 'default when nothing is set');
    assert.equal(config.topics.items, 'lifelong.items', 'a file setting one nested key keeps the default of its siblings');
  });

  test('environment variables are strings and are parsed per type', () => {
    const config = loadConfig({
      env: { LIFELONG_PARTITIONS: ' 12 ', LIFELONG_KAFKA_SSL: 'true', LIFELONG_HTTP_ENABLED: '0', LIFELONG_BROKERS: 'a:9092,b:9092', LIFELONG_WIRE_FORMAT: 'confluent', UNRELATED: 'x' },
    });
    assert.equal(config.partitions, 12);
    assert.equal(config.kafka.ssl, true);
    assert.equal(config.http.enabled, false);
    assert.deepEqual(config.brokers, ['a:9092', 'b:9092']);
    assert.equal(config.wireFormat, 'confluent');
  });

  test('--brokers: a comma-separated string becomes a list, blanks dropped', () => {
    assert.deepEqual(loadConfig({ flags: { brokers: 'k1:9092, k2:9093,,k3:9094 ' } }).brokers, ['k1:9092', 'k2:9093', 'k3:9094']);
    assert.deepEqual(loadConfig({ flags: { brokers: 'only:9092' } }).brokers, ['only:9092']);
    assert.deepEqual(loadConfig({ flags: { brokers: '' } }).brokers, []);
    assert.deepEqual(loadConfig({ file: configFile({ brokers: ['f1:1', 'f2:2'] }) }).brokers, ['f1:1', 'f2:2']);
  });

  test('an invalid integer names the option, its origin and what is accepted', () => {
    rejects(() => loadConfig({ env: { LIFELONG_SESSION_GAP_MS: 'soon' } }), 'sessionGapMs', 'env LIFELONG_SESSION_GAP_MS', '"soon"', 'an integer', '1000');
    rejects(() => loadConfig({ flags: { sessionGapMs: 1.5 } }), 'sessionGapMs', 'flag --session-gap-ms', 'an integer');
    rejects(() => loadConfig({ flags: { sessionGapMs: 999 } }), 'sessionGapMs', 'an integer ≥ 1000');
    rejects(() => loadConfig({ env: { LIFELONG_HTTP_PORT: '70000' } }), 'http.port', 'env LIFELONG_HTTP_PORT', '≤ 65535');
    rejects(() => loadConfig({ env: { LIFELONG_PARTITIONS: '' } }), 'partitions', 'env LIFELONG_PARTITIONS');
    const file = configFile({ consumer: { maxBatchRecords: 'many' } });
    rejects(() => loadConfig({ file }), 'consumer.maxBatchRecords', `file ${file}`, 'an integer');
  });

  test('real-number options parse from strings and keep to their bounds', () => {
    assert.equal(loadConfig({ env: { LIFELONG_LIFELONG_VALUE_GAMMA_PER_HOUR: ' 0.95 ' } }).lifelongValue.gammaPerHour, 0.95);
    assert.equal(loadConfig({ flags: { 'lifelongValue.weights.gift': 0 } }).lifelongValue.weights.gift, 0, 'an inclusive bound');
    rejects(() => loadConfig({ env: { LIFELONG_LIFELONG_VALUE_GAMMA_PER_HOUR: '1' } }), 'lifelongValue.gammaPerHour', 'env LIFELONG_LIFELONG_VALUE_GAMMA_PER_HOUR', 'a number > 0 and < 1');
    rejects(() => loadConfig({ flags: { 'lifelongValue.weights.click': -1 } }), 'lifelongValue.weights.click', 'a number ≥ 0');
    rejects(() => loadConfig({ env: { LIFELONG_LIFELONG_VALUE_LEARNING_RATE: 'fast' } }), 'lifelongValue.learningRate', '"fast"');
  });

  test('an invalid enum or bool lists the accepted values', () => {
    rejects(() => loadConfig({ env: { LIFELONG_WIRE_FORMAT: 'json' } }), 'wireFormat', 'env LIFELONG_WIRE_FORMAT', 'auto | raw | confluent');
    rejects(() => loadConfig({ flags: { 'log.level': 'verbose' } }), 'log.level', 'flag --log-level', 'fatal | error | warn | info | debug | trace | silent');
    rejects(() => loadConfig({ env: { LIFELONG_KAFKA_SSL: 'maybe' } }), 'kafka.ssl', 'true or false');
  });

  test('recommend cannot run without interest, whose store it reads; both off is a sessions-and-values application', () => {
    rejects(() => loadConfig({ flags: { 'interest.enabled': false } }), 'recommend.enabled', 'interest.enabled');
    const config = loadConfig({ flags: { 'interest.enabled': 'false', 'recommend.enabled': 'false' } });
    assert.equal(config.interest.enabled, false);
    assert.equal(config.recommend.enabled, false);
  });

  test('an unknown key in the file is rejected by name', () => {
    rejects(() => loadConfig({ file: configFile({ sessionGap: 5_000 }) }), 'unknown option "sessionGap"');
    rejects(() => loadConfig({ file: configFile({ clickhouse: { url: 'http://x', pasword: 'typo' } }) }), 'unknown option "clickhouse.pasword"');
  });

  test('a file that is not a JSON object is rejected', () => {
    rejects(() => loadConfig({ file: configFile('[1, 2]') }), 'cannot read config file');
    rejects(() => loadConfig({ file: configFile('{ not json') }), 'cannot read config file');
    rejects(() => loadConfig({ file: join(dir, 'missing.json') }), 'missing.json');
  });

  test('the result is deeply frozen', () => {
    const config = loadConfig({ flags: { brokers: 'a:1,b:2' } });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.topics));
    assert.ok(Object.isFrozen(config.brokers));
    assert.throws(() => {
      (config as { sessionGapMs: number }).sessionGapMs = 1;
    }, TypeError);
    assert.throws(() => {
      (config.brokers as string[]).push('c:3');
    }, TypeError);
    assert.throws(() => {
      (config.kafka as { ssl: boolean }).ssl = true;
    }, TypeError);
  });

  test('loading twice gives independent configs; defaults are not shared or frozen through the table', () => {
    const first = loadConfig();
    const second = loadConfig({ flags: { brokers: 'x:1' } });
    assert.deepEqual(first.brokers, []);
    assert.deepEqual(second.brokers, ['x:1']);
    const brokersOption = OPTIONS.find((o) => o.path === 'brokers')!;
    assert.deepEqual(brokersOption.default, []);
    assert.equal(Object.isFrozen(brokersOption.default), false, 'freezing the config does not freeze the option table');
    assert.notEqual(first.brokers, brokersOption.default);
  });

  test('redactedConfig hides set passwords and nothing else', () => {
    const config = loadConfig({ env: { LIFELONG_CLICKHOUSE_PASSWORD: 'ch-secret', LIFELONG_KAFKA_SASL_PASSWORD: 'k-secret', LIFELONG_KAFKA_SASL_USERNAME: 'bob' } });
    const redacted = redactedConfig(config);
    const text = JSON.stringify(redacted);
    assert.ok(!text.includes('ch-secret'));
    assert.ok(!text.includes('k-secret'));
    assert.equal((redacted.clickhouse as Record<string, unknown>).password, '[redacted]');
    assert.equal((redacted.kafka as Record<string, unknown>).saslPassword, '[redacted]');
    assert.equal((redacted.kafka as Record<string, unknown>).saslUsername, 'bob');
    assert.equal(config.clickhouse.password, 'ch-secret', 'the config itself is untouched');
    assert.deepEqual({ ...redacted, clickhouse: undefined, kafka: undefined }, { ...JSON.parse(JSON.stringify(config)), clickhouse: undefined, kafka: undefined });
  });

  test('every secret option is redacted', () => {
    const env: Record<string, string> = {};
    for (const option of OPTIONS) if (option.type.kind === 'secret') env[envName(option.path)] = `secret-of-${option.path}`;
    assert.ok(Object.keys(env).length >= 2);
    const text = JSON.stringify(redactedConfig(loadConfig({ env })));
    assert.ok(!text.includes('secret-of-'), text);
  });
});

describe('OPTIONS and the Config interface agree', () => {
  // Typed as Config, so tsc refuses a missing or an extra key: its leaves are the interface's.
  const sample: Config = {
    applicationId: 'a',
    brokers: ['b'],
    partitions: 1,
    topics: { events: 'e', items: 'i', recommendations: 'r', deadLetter: 'd' },
    wireFormat: 'auto',
    sessionGapMs: 1,
    allowedLatenessMs: 1,
    punctuateIntervalMs: 1,
    dedupeWindow: 1,
    limits: { maxRecordBytes: 1, maxFutureSkewMs: 1, maxIdLength: 1 },
    consumer: { maxBatchRecords: 1, concurrency: 1, sessionTimeoutMs: 1, heartbeatIntervalMs: 1 },
    kafka: { clientId: 'c', ssl: false, sslCaFile: '', saslMechanism: 'none', saslUsername: '', saslPassword: '', transactionTimeoutMs: 1, connectionTimeoutMs: 1 },
    clickhouse: { url: '', embeddedPath: '', database: '', username: '', password: '', caFile: '', requestTimeoutMs: 1 },
    sink: { maxBatchRows: 1, maxBatchDelayMs: 1, maxBufferedRows: 1 },
    http: { port: 1, host: '', enabled: true },
    log: { level: 'info' },
    shutdownTimeoutMs: 1,
    interest: { enabled: true, embeddingDim: 1, signatures: 1, bitsPerSignature: 1, hashSeed: 1, longTermHalfLifeMs: 1, shortTermHalfLifeMs: 1, topCategories: 1, topAuthors: 1, indexItemsPerBucket: 1 },
    lifelongValue: {
      enabled: true,
      gammaPerHour: 0.5,
      decayHalfLifeHours: 1,
      maxAuthorsPerUser: 1,
      maxStepHours: 1,
      transitions: 'sparse',
      weights: { click: 1, follow: 1, gift: 1 },
      backend: 'auto',
      checkpointDir: '',
      checkpointIntervalMs: 1,
      batchSize: 1,
      targetRefreshSteps: 1,
      replayCapacity: 1,
      learningRate: 1,
      trainingShare: 1,
      trainingThread: 'worker',
    },
    recommend: {
      enabled: true,
      arms: ['lifelong'],
      slateSize: 1,
      plannedCategories: 1,
      exploration: 0.1,
      weights: { interest: 1, authorValue: 1, freshness: 1, novelty: 1 },
      maxAuthorSlateShare: 1,
      maxAuthorSessionShare: 1,
      recentlyShown: 1,
      notInterestedHalfLifeHours: 1,
      freshnessHalfLifeHours: 1,
      authorValue: 'critic',
      seed: 1,
    },
    demo: { users: 1, days: 1, seed: 1 },
  };

  test('every option path is a leaf of the loaded Config, and every leaf is an option', () => {
    const paths = OPTIONS.map((o) => o.path).sort();
    assert.equal(new Set(paths).size, paths.length, 'no option is declared twice');
    assert.deepEqual(leafPaths(loadConfig()).sort(), paths);
  });

  test('the option table covers exactly the fields of the Config interface', () => {
    assert.deepEqual(leafPaths(sample).sort(), OPTIONS.map((o) => o.path).sort());
  });

  test('every default is accepted by its own option', () => {
    const config = loadConfig();
    for (const option of OPTIONS) assert.notEqual(valueAt(config, option.path), undefined, option.path);
  });
});
