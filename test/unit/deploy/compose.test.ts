import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/config.js';
import { isLifelongError } from '../../../src/errors/catalog.js';
import { DEPLOY, ENV_TO_OPTION, ROOT, arr, changelogTopics, interpolate, obj, read, topicScriptLines, yamlFile, type Json } from '../../support/deploy.js';

/*
 * deploy/docker-compose.yml checked without a Docker engine: parsed (anchors and merge
 * keys resolved as Compose does), then its wiring — services, ports, volumes,
 * dependencies, every LIFELONG_* variable against the option table and the config
 * loader, the topic job against the topologies' stores, Prometheus and Grafana.
 */
const compose = obj(yamlFile('deploy', 'docker-compose.yml'), 'compose file');
const services = obj(compose['services'], 'services');
const service = (name: string): Json => obj(services[name], `service ${name}`);
const LIFELONG = ['lifelong-1', 'lifelong-2'];

/** Environment of a service as Compose passes it (interpolated with the defaults). */
function environment(name: string): Record<string, string> {
  const raw = service(name)['environment'] ?? {};
  const entries: [string, string][] = Array.isArray(raw)
    ? raw.map((line) => {
        const [key, ...rest] = String(line).split('=');
        return [key!, rest.join('=')];
      })
    : Object.entries(obj(raw, `${name}.environment`)).map(([key, value]) => [key, String(value)]);
  return Object.fromEntries(entries.map(([key, value]) => [key, interpolate(value)]));
}

/** "host:container" port strings → pairs (interpolated). */
function ports(name: string): { host: number; container: number }[] {
  return arr(service(name)['ports'] ?? [], `${name}.ports`).map((p) => {
    const match = /^(?:[\d.]+:)?(\d+):(\d+)(?:\/tcp)?$/.exec(interpolate(String(p)));
    assert.ok(match, `${name}: port ${String(p)} should be "host:container"`);
    return { host: Number(match[1]), container: Number(match[2]) };
  });
}

describe('docker-compose.yml: services', () => {
  test('has Kafka, the topic job, ClickHouse, two lifelong replicas, Prometheus and Grafana', () => {
    for (const name of ['kafka', 'topics', 'clickhouse', ...LIFELONG, 'prometheus', 'grafana']) assert.ok(services[name], `service ${name} missing`);
    for (const [name, raw] of Object.entries(services)) {
      const s = obj(raw, name);
      assert.ok(typeof s['image'] === 'string' || s['build'] !== undefined, `${name} has neither image nor build`);
    }
  });

  test('Kafka is apache/kafka 3.9.1 in KRaft mode (broker and controller), with a valid cluster id', () => {
    const kafka = service('kafka');
    assert.equal(kafka['image'], 'apache/kafka:3.9.1');
    const env = environment('kafka');
    assert.deepEqual(env['KAFKA_PROCESS_ROLES']!.split(',').sort(), ['broker', 'controller']);
    assert.match(env['KAFKA_CONTROLLER_QUORUM_VOTERS']!, /^1@kafka:\d+$/);
    assert.equal(env['KAFKA_NODE_ID'], '1');
    assert.ok(env['KAFKA_LISTENERS']!.includes('CONTROLLER://'), 'a controller listener');
    assert.equal(env['KAFKA_CONTROLLER_LISTENER_NAMES'], 'CONTROLLER');
    // A KRaft cluster id is a base64url UUID: 22 characters, 16 bytes.
    assert.match(env['CLUSTER_ID']!, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(Buffer.from(env['CLUSTER_ID']!, 'base64url').length, 16);
    // Every listener name has a security protocol, and the advertised ones are listened on.
    const protocols = new Set(env['KAFKA_LISTENER_SECURITY_PROTOCOL_MAP']!.split(',').map((e) => e.split(':')[0]));
    const listeners = env['KAFKA_LISTENERS']!.split(',').map((l) => l.split('://')[0]!);
    for (const name of listeners) assert.ok(protocols.has(name), `listener ${name} has no protocol`);
    for (const advertised of env['KAFKA_ADVERTISED_LISTENERS']!.split(',')) assert.ok(listeners.includes(advertised.split('://')[0]!), `${advertised} is not a listener`);
    // One broker: internal topics must not ask for three replicas.
    assert.equal(env['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR'], '1');
    assert.equal(env['KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR'], '1');
    assert.equal(env['KAFKA_TRANSACTION_STATE_LOG_MIN_ISR'], '1');
    assert.equal(env['KAFKA_AUTO_CREATE_TOPICS_ENABLE'], 'false');
  });

  test('two lifelong replicas run `lifelong run` in one consumer group against the compose Kafka and ClickHouse', () => {
    const kafkaEnv = environment('kafka');
    const internal = kafkaEnv['KAFKA_ADVERTISED_LISTENERS']!.split(',').find((l) => l.startsWith('PLAINTEXT://'))!.slice('PLAINTEXT://'.length);
    const clientIds = new Set<string>();
    for (const name of LIFELONG) {
      const s = service(name);
      assert.deepEqual(s['command'], ['run']);
      const build = obj(s['build'], `${name}.build`);
      assert.equal(build['dockerfile'], 'deploy/Dockerfile');
      assert.ok(existsSync(join(DEPLOY, String(build['context']), String(build['dockerfile']))), 'build context + dockerfile exist');
      const env = environment(name);
      assert.equal(env['LIFELONG_APPLICATION_ID'], 'lifelong', 'same group for both');
      assert.equal(env['LIFELONG_BROKERS'], internal, 'brokers = the advertised internal listener');
      const url = new URL(env['LIFELONG_CLICKHOUSE_URL']!);
      assert.ok(services[url.hostname], `ClickHouse host ${url.hostname} is a service`);
      assert.equal(url.port, '8123');
      assert.equal(env['LIFELONG_HTTP_HOST'], '0.0.0.0', 'metrics reachable from Prometheus');
      clientIds.add(env['LIFELONG_KAFKA_CLIENT_ID']!);
      // The HTTP port is published and is what Prometheus and the health check use.
      const httpPort = Number(env['LIFELONG_HTTP_PORT'] ?? 9464);
      assert.ok(ports(name).some((p) => p.container === httpPort), `${name} publishes ${httpPort}`);
      const healthcheck = arr(obj(s['healthcheck'], `${name}.healthcheck`)['test'], 'test').join(' ');
      assert.ok(healthcheck.includes(`:${httpPort}/healthz`), 'health check on /healthz');
      // Docker must not SIGKILL before the runtime's own shutdown deadline.
      const grace = /^(\d+)s$/.exec(String(s['stop_grace_period']));
      assert.ok(grace, `${name}.stop_grace_period in seconds`);
      assert.ok(Number(grace[1]) * 1000 > Number(env['LIFELONG_SHUTDOWN_TIMEOUT_MS'] ?? 30_000), 'stop_grace_period > LIFELONG_SHUTDOWN_TIMEOUT_MS');
    }
    assert.equal(clientIds.size, LIFELONG.length, 'distinct client ids');
  });

  test('ClickHouse credentials agree between the server, lifelong and Grafana', () => {
    const ch = environment('clickhouse');
    const datasource = obj(
      arr(obj(yamlFile('deploy', 'grafana', 'provisioning', 'datasources', 'datasources.yml'), 'datasources')['datasources'], 'datasources').find(
        (d) => obj(d, 'ds')['type'] === 'grafana-clickhouse-datasource',
      ),
      'ClickHouse datasource',
    );
    const json = obj(datasource['jsonData'], 'jsonData');
    for (const name of LIFELONG) {
      const env = environment(name);
      assert.equal(env['LIFELONG_CLICKHOUSE_USERNAME'], ch['CLICKHOUSE_USER']);
      assert.equal(env['LIFELONG_CLICKHOUSE_PASSWORD'], ch['CLICKHOUSE_PASSWORD']);
      assert.equal(env['LIFELONG_CLICKHOUSE_DATABASE'], ch['CLICKHOUSE_DB']);
    }
    assert.equal(json['username'], ch['CLICKHOUSE_USER']);
    assert.equal(json['defaultDatabase'], ch['CLICKHOUSE_DB']);
    assert.equal(json['host'], 'clickhouse');
    assert.equal(json['protocol'], 'http');
    assert.equal(Number(json['port']), 8123);
    assert.equal(obj(datasource['secureJsonData'], 'secureJsonData')['password'], '$CLICKHOUSE_PASSWORD');
    assert.equal(environment('grafana')['CLICKHOUSE_PASSWORD'], ch['CLICKHOUSE_PASSWORD'], 'Grafana gets the password it interpolates');
    assert.match(environment('grafana')['GF_INSTALL_PLUGINS']!, /(^|,)grafana-clickhouse-datasource\b/);
  });
});

describe('docker-compose.yml: configuration of lifelong', () => {
  test('every LIFELONG_* variable is an option of src/config/options.ts', () => {
    for (const name of Object.keys(services)) {
      for (const key of Object.keys(environment(name))) {
        if (key.startsWith('LIFELONG_')) assert.ok(ENV_TO_OPTION.has(key), `${name}: ${key} is not an option (see \`lifelong config --reference\`)`);
      }
    }
  });

  test('the config loader accepts each lifelong service\'s environment as it is', () => {
    for (const name of Object.keys(services)) {
      const env = environment(name);
      if (!Object.keys(env).some((k) => k.startsWith('LIFELONG_'))) continue;
      try {
        const config = loadConfig({ env });
        assert.ok(config.brokers.length > 0, `${name} runs against Kafka`);
        assert.ok(config.clickhouse.url.length > 0, `${name} runs against the ClickHouse server`);
      } catch (error) {
        assert.fail(`${name}: ${isLifelongError(error) ? error.message : String(error)}`);
      }
    }
  });
});

describe('docker-compose.yml: ports, volumes, dependencies', () => {
  test('published host ports are distinct', () => {
    const seen = new Map<number, string>();
    for (const name of Object.keys(services)) {
      for (const { host } of ports(name)) {
        assert.ok(!seen.has(host), `host port ${host} published by ${seen.get(host)} and ${name}`);
        seen.set(host, name);
      }
    }
  });

  test('named volumes are declared and bind-mounted files exist', () => {
    const declared = new Set(Object.keys(obj(compose['volumes'] ?? {}, 'volumes')));
    const used = new Set<string>();
    for (const name of Object.keys(services)) {
      for (const raw of arr(service(name)['volumes'] ?? [], `${name}.volumes`)) {
        const [source, target] = String(raw).split(':');
        assert.ok(source && target?.startsWith('/'), `${name}: volume ${String(raw)}`);
        if (source.startsWith('.') || source.startsWith('/')) {
          assert.ok(existsSync(join(DEPLOY, source)), `${name}: bind mount source ${source} exists under deploy/`);
        } else {
          assert.ok(declared.has(source), `${name}: named volume ${source} is declared`);
          used.add(source);
        }
      }
    }
    for (const volume of declared) assert.ok(used.has(volume), `volume ${volume} is unused`);
  });

  test('depends_on names existing services, with conditions they can meet', () => {
    for (const name of Object.keys(services)) {
      const raw = service(name)['depends_on'];
      if (raw === undefined) continue;
      const deps: [string, string][] = Array.isArray(raw)
        ? raw.map((d) => [String(d), 'service_started'])
        : Object.entries(obj(raw, `${name}.depends_on`)).map(([dep, spec]) => [dep, String(obj(spec, 'dep')['condition'] ?? 'service_started')]);
      for (const [dep, condition] of deps) {
        assert.ok(services[dep], `${name} depends on unknown service ${dep}`);
        assert.ok(['service_started', 'service_healthy', 'service_completed_successfully'].includes(condition), `${name} → ${dep}: ${condition}`);
        if (condition === 'service_healthy') assert.ok(service(dep)['healthcheck'], `${name} waits for ${dep} to be healthy, but it has no healthcheck`);
        if (condition === 'service_completed_successfully') assert.equal(service(dep)['restart'], 'no', `${dep} is a one-shot job`);
        // A profile-only service cannot be a dependency of a default one.
        if (service(dep)['profiles'] !== undefined) assert.ok(service(name)['profiles'] !== undefined, `${name} depends on profile-only ${dep}`);
      }
    }
  });

  test('the second replica starts after the first is healthy (ClickHouse migrations run from one place)', () => {
    const deps = obj(service('lifelong-2')['depends_on'], 'depends_on');
    assert.equal(obj(deps['lifelong-1'], 'dep')['condition'], 'service_healthy');
  });
});

describe('docker-compose.yml: the topic job', () => {
  const job = service('topics');
  const env = environment('topics');
  const lines = topicScriptLines(env);
  const byName = new Map(lines.map((l) => [l.name, l]));

  test('runs the mounted script once, after Kafka is healthy', () => {
    assert.equal(job['image'], service('kafka')['image']);
    assert.deepEqual(job['entrypoint'], ['sh', '/deploy/create-topics.sh']);
    assert.ok(arr(job['volumes'], 'volumes').includes('./compose/create-topics.sh:/deploy/create-topics.sh:ro'));
    assert.equal(obj(obj(job['depends_on'], 'depends_on')['kafka'], 'kafka')['condition'], 'service_healthy');
    assert.equal(env['BOOTSTRAP'], environment('lifelong-1')['LIFELONG_BROKERS']);
    assert.equal(env['APPLICATION_ID'], environment('lifelong-1')['LIFELONG_APPLICATION_ID']);
  });

  test('creates the input, items, output and dead-letter topics and every changelog (from `lifelong describe` plus the runtime stores)', () => {
    const expected = ['lifelong.events', 'lifelong.items', 'lifelong.recommendations', 'lifelong.dead-letter', ...changelogTopics(env['APPLICATION_ID'])];
    for (const topic of expected) assert.ok(byName.has(topic), `deploy/compose/create-topics.sh does not create ${topic}`);
    assert.equal(byName.size, expected.length, `unexpected topics: ${[...byName.keys()].filter((t) => !expected.includes(t)).join(', ')}`);
  });

  test('README "Topics to create" names every changelog store', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('### Topics to create'), readme.indexOf('### Scaling'));
    for (const topic of changelogTopics()) {
      const store = topic.slice('lifelong.'.length, -'-changelog'.length);
      assert.ok(section.includes(`\`${store}\``), `README "Topics to create" does not list the store ${store}`);
    }
  });

  test('compaction for items and changelogs, retention for the rest; one partition count shared with lifelong', () => {
    const partitions = environment('lifelong-1')['LIFELONG_PARTITIONS'];
    for (const line of lines) {
      const compacted = line.name === 'lifelong.items' || line.name.endsWith('-changelog');
      assert.equal(line.configs.get('cleanup.policy'), compacted ? 'compact' : 'delete', `${line.name} cleanup.policy`);
      if (!compacted) assert.ok(Number(line.configs.get('retention.ms')) >= 86_400_000, `${line.name} keeps at least a day`);
      assert.equal(line.partitions, partitions, `${line.name}: same partitions as the input (LIFELONG_PARTITIONS)`);
    }
  });
});

describe('docker-compose.yml: Prometheus and Grafana', () => {
  test('Prometheus scrapes /metrics of every lifelong replica', () => {
    const config = obj(yamlFile('deploy', 'prometheus', 'prometheus.yml'), 'prometheus.yml');
    const job = obj(arr(config['scrape_configs'], 'scrape_configs').find((j) => obj(j, 'job')['job_name'] === 'lifelong'), 'lifelong job');
    assert.equal(job['metrics_path'] ?? '/metrics', '/metrics');
    const targets = arr(job['static_configs'], 'static_configs').flatMap((c) => arr(obj(c, 'c')['targets'], 'targets').map(String));
    assert.deepEqual(targets.sort(), LIFELONG.map((name) => `${name}:${environment(name)['LIFELONG_HTTP_PORT'] ?? '9464'}`).sort());
    assert.ok(arr(service('prometheus')['volumes'], 'volumes').some((v) => String(v).startsWith('./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml')));
  });

  test('Grafana is provisioned with both data sources and loads the dashboards from where they are mounted', () => {
    const provider = obj(arr(obj(yamlFile('deploy', 'grafana', 'provisioning', 'dashboards', 'dashboards.yml'), 'providers')['providers'], 'providers')[0], 'provider');
    const path = String(obj(provider['options'], 'options')['path']);
    const volumes = arr(service('grafana')['volumes'], 'volumes').map(String);
    assert.ok(volumes.includes(`./grafana/dashboards:${path}:ro`), `dashboards mounted at ${path}`);
    assert.ok(volumes.includes('./grafana/provisioning:/etc/grafana/provisioning:ro'));
    const home = environment('grafana')['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH']!;
    assert.ok(home.startsWith(path + '/') && existsSync(join(DEPLOY, 'grafana', 'dashboards', home.slice(path.length + 1))), 'home dashboard exists');
    const types = arr(obj(yamlFile('deploy', 'grafana', 'provisioning', 'datasources', 'datasources.yml'), 'ds')['datasources'], 'datasources').map((d) => obj(d, 'd')['type']);
    assert.deepEqual(types.sort(), ['grafana-clickhouse-datasource', 'prometheus']);
  });

  test('README tells how to start it', () => {
    const readme = read('README.md');
    assert.ok(readme.includes('docker compose -f deploy/docker-compose.yml up'), 'README has the compose command');
    assert.ok(existsSync(join(ROOT, 'deploy', 'Dockerfile')));
  });
});
