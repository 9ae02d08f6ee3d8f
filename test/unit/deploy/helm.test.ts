import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { loadConfig } from '../../../src/config/config.js';
import { isLifelongError } from '../../../src/errors/catalog.js';
import { DEPLOY, ENV_TO_OPTION, arr, at, obj, read, yamlDocuments, yamlFile, type Json } from '../../support/deploy.js';

/*
 * The Helm chart (deploy/helm/lifelong) and the plain manifests (deploy/k8s), without
 * helm: helm is not in the package registries this project's machines reach, and a
 * faithful Go-template renderer is not a small thing. So:
 *  1. the manifests in deploy/k8s — what the chart renders with default values — are
 *     validated against the Kubernetes (and KEDA) schemas with kubernetes-models;
 *  2. the chart is checked for what can be checked without rendering: template syntax
 *     balance, every .Values reference resolving in values.yaml and every value used;
 *  3. chart and manifests are held together: every literal line of a template appears in
 *     its manifest, and each templated key field of the manifests equals what the
 *     template computes from values.yaml (ConfigMap entries, replicas, image, ports,
 *     probes, grace period, secrets, security contexts, resources, PDB, KEDA trigger);
 *  4. the ConfigMap's LIFELONG_* variables are options, and the config loader accepts them.
 */
const CHART = join('deploy', 'helm', 'lifelong');
const chart = obj(yamlFile(CHART, 'Chart.yaml'), 'Chart.yaml');
const values = obj(yamlFile(CHART, 'values.yaml'), 'values.yaml');
const templateFiles = readdirSync(join(DEPLOY, 'helm', 'lifelong', 'templates')).sort();
const template = (name: string): string => read(CHART, 'templates', name);
const RESOURCE_TEMPLATES = templateFiles.filter((f) => f.endsWith('.yaml'));

/** deploy/k8s/<file> → its documents. */
const manifest = (...file: string[]): Json[] => yamlDocuments('deploy', 'k8s', ...file);
const one = (file: string, kind: string): Json => {
  const found = manifest(...file.split('/')).filter((d) => d['kind'] === kind);
  assert.equal(found.length, 1, `${file} holds one ${kind}`);
  return found[0]!;
};
const MANIFEST_OF: Record<string, string> = {
  'configmap.yaml': 'configmap.yaml',
  'deployment.yaml': 'deployment.yaml',
  'service.yaml': 'service.yaml',
  'serviceaccount.yaml': 'serviceaccount.yaml',
  'pdb.yaml': 'pdb.yaml',
  'scaledobject.yaml': 'optional/keda-scaledobject.yaml',
};

const v = (path: string): unknown => {
  const value = at(values, path);
  assert.notEqual(value, undefined, `values.yaml has no ${path}`);
  return value;
};
const fullname = 'lifelong'; // release "lifelong" contains the chart name
const selectorLabels = { 'app.kubernetes.io/name': 'lifelong', 'app.kubernetes.io/instance': 'lifelong' };

describe('Helm chart deploy/helm/lifelong (static)', () => {
  test('Chart.yaml is a v2 application chart with versions', () => {
    assert.equal(chart['apiVersion'], 'v2');
    assert.equal(chart['name'], 'lifelong');
    assert.equal(chart['type'], 'application');
    assert.match(String(chart['version']), /^\d+\.\d+\.\d+/);
    assert.match(String(chart['appVersion']), /^\d+\.\d+\.\d+/);
  });

  test('has the Deployment, Service, ConfigMap, ServiceAccount, PodDisruptionBudget and KEDA ScaledObject templates', () => {
    const kinds = RESOURCE_TEMPLATES.map((f) => /^kind: (\w+)$/m.exec(template(f))?.[1]);
    assert.deepEqual(kinds.sort(), ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'ScaledObject', 'Service', 'ServiceAccount']);
    assert.ok(templateFiles.includes('_helpers.tpl') && templateFiles.includes('NOTES.txt'));
  });

  test('template actions are balanced and every include names a defined template', () => {
    const helpers = template('_helpers.tpl');
    const defined = new Set([...helpers.matchAll(/\{\{-? define "([^"]+)" -?\}\}/g)].map((m) => m[1]!));
    for (const file of templateFiles) {
      const text = template(file);
      const actions = [...text.matchAll(/\{\{-?\s*(.*?)\s*-?\}\}/gs)].map((m) => m[1]!);
      assert.equal(text.split('{{').length, text.split('}}').length, `${file}: unbalanced {{ }}`);
      let depth = 0;
      for (const action of actions) {
        if (/^(if|range|with|define)\b/.test(action)) depth++;
        else if (/^end\b/.test(action)) depth--;
        assert.ok(depth >= 0, `${file}: {{ end }} without an opening action`);
      }
      assert.equal(depth, 0, `${file}: an if/range/with/define is not closed`);
      for (const [, name] of text.matchAll(/include "([^"]+)"/g)) assert.ok(defined.has(name!), `${file}: include "${name}" is not defined`);
    }
  });

  test('every .Values reference resolves in values.yaml, and every top-level value is used', () => {
    const all = templateFiles.map(template).join('\n');
    for (const [, path] of all.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) assert.notEqual(at(values, path!), undefined, `.Values.${path} is not in values.yaml`);
    for (const key of Object.keys(values)) assert.ok(all.includes(`.Values.${key}`), `values.yaml: ${key} is never used by a template`);
  });

  test('values: replicas within the partition count, KEDA off by default and never above the partitions', () => {
    assert.ok(Number(v('replicaCount')) <= Number(v('partitions')), 'replicaCount ≤ partitions');
    assert.equal(v('keda.enabled'), false);
    assert.match(template('scaledobject.yaml'), /maxReplicaCount: \{\{ min \.Values\.keda\.maxReplicaCount \.Values\.partitions \}\}/);
    assert.match(template('deployment.yaml'), /\{\{- if not \.Values\.keda\.enabled \}\}\n\s+replicas:/, 'KEDA owns replicas when enabled');
  });

  test('every LIFELONG_* name the chart sets is an option', () => {
    const names = new Set([...templateFiles.map(template).join('\n').matchAll(/\b(LIFELONG_[A-Z0-9_]+)\b/g)].map((m) => m[1]!));
    for (const name of Object.keys(obj(v('config'), 'config'))) names.add(name);
    for (const name of names) assert.ok(ENV_TO_OPTION.has(name), `${name} is not an option (see \`lifelong config --reference\`)`);
  });
});

describe('deploy/k8s manifests against the Kubernetes schemas', () => {
  const model = (doc: Json): { validate(): void } => {
    const key = `${String(doc['apiVersion'])}/${String(doc['kind'])}`;
    switch (key) {
      case 'v1/ConfigMap':
        return new ConfigMap(doc as never);
      case 'v1/Service':
        return new Service(doc as never);
      case 'v1/ServiceAccount':
        return new ServiceAccount(doc as never);
      case 'apps/v1/Deployment':
        return new Deployment(doc as never);
      case 'policy/v1/PodDisruptionBudget':
        return new PodDisruptionBudget(doc as never);
      case 'keda.sh/v1alpha1/ScaledObject':
        return new ScaledObject(doc as never);
    }
    return assert.fail(`no schema for ${key}`);
  };
  const files = [...Object.values(MANIFEST_OF)];

  for (const file of files) {
    test(`${file} is valid`, () => {
      const docs = manifest(...file.split('/'));
      assert.ok(docs.length > 0);
      for (const doc of docs) {
        assert.doesNotThrow(() => model(doc).validate(), `${file}: ${String(doc['kind'])} fails schema validation`);
      }
    });
  }

  test('the validator does reject a broken manifest (negative control)', () => {
    const broken = structuredClone(one('deployment.yaml', 'Deployment'));
    (at(broken, 'spec.template.spec.containers.0.ports.0') as Json)['containerPort'] = 'http';
    assert.throws(() => model(broken).validate(), /containerPort/);
    const noSelector = structuredClone(one('pdb.yaml', 'PodDisruptionBudget'));
    (noSelector['spec'] as Json)['maxUnavailable'] = { bad: true };
    assert.throws(() => model(noSelector).validate());
    const keda = structuredClone(one('optional/keda-scaledobject.yaml', 'ScaledObject'));
    delete (keda['spec'] as Json)['scaleTargetRef'];
    assert.throws(() => model(keda).validate(), /scaleTargetRef/);
  });

  test('kustomization.yaml lists every manifest of deploy/k8s (the optional ones apart)', () => {
    const kustomization = obj(yamlFile('deploy', 'k8s', 'kustomization.yaml'), 'kustomization');
    const listed = arr(kustomization['resources'], 'resources').map(String).sort();
    const present = readdirSync(join(DEPLOY, 'k8s')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    assert.deepEqual(listed, present);
  });
});

describe('chart and deploy/k8s agree', () => {
  test('every literal line of each template appears, in order, in its rendered manifest', () => {
    // The values each manifest was rendered with: the defaults, plus keda.enabled for the optional one.
    const overrides: Record<string, Record<string, unknown>> = { 'scaledobject.yaml': { 'keda.enabled': true } };
    for (const file of RESOURCE_TEMPLATES) {
      const rendered = read('deploy', 'k8s', ...MANIFEST_OF[file]!.split('/')).split('\n').map((l) => l.trimEnd());
      const value = (path: string): unknown => (overrides[file] && path in overrides[file] ? overrides[file][path] : at(values, path));
      const truthy = (x: unknown): boolean => !(x === undefined || x === null || x === false || x === '' || x === 0 || (Array.isArray(x) && x.length === 0) || (typeof x === 'object' && x !== null && Object.keys(x).length === 0));
      // Whether each enclosing if/with holds; only the simple forms the templates use are understood.
      const open: boolean[] = [];
      let cursor = 0;
      for (const line of template(file).split('\n')) {
        const action = /^\s*\{\{-?\s*(.*?)\s*-?\}\}\s*$/.exec(line)?.[1];
        if (action !== undefined && /^(if|with)\b/.test(action)) {
          const condition = /^(?:if|with) (not )?\.Values\.([\w.]+)$/.exec(action);
          assert.ok(condition, `${file}: cannot evaluate {{ ${action} }}`);
          open.push(truthy(value(condition[2]!)) !== Boolean(condition[1]));
          continue;
        }
        if (action !== undefined && /^range\b/.test(action)) {
          open.push(true);
          continue;
        }
        if (action === 'end') {
          open.pop();
          continue;
        }
        if (open.includes(false)) continue;
        if (line.includes('{{') || line.trim() === '' || line.trim().startsWith('#')) continue;
        const found = rendered.indexOf(line.trimEnd(), cursor);
        assert.ok(found >= 0, `${file}: "${line.trim()}" is missing from deploy/k8s/${MANIFEST_OF[file]} (or out of order)`);
        cursor = found + 1;
      }
    }
  });

  test('every resource is named after the release and carries the chart labels', () => {
    for (const file of Object.values(MANIFEST_OF)) {
      for (const doc of manifest(...file.split('/'))) {
        const metadata = obj(doc['metadata'], 'metadata');
        assert.equal(metadata['name'], fullname, `${file}: name`);
        assert.deepEqual(metadata['labels'], {
          'helm.sh/chart': `lifelong-${String(chart['version'])}`,
          ...selectorLabels,
          'app.kubernetes.io/version': String(chart['appVersion']),
          'app.kubernetes.io/managed-by': 'Helm',
        });
      }
    }
  });

  test('ConfigMap: each entry is what the template computes from values.yaml, and nothing else', () => {
    const data = obj(one('configmap.yaml', 'ConfigMap')['data'], 'data');
    const expected: Record<string, string> = {};
    for (const line of template('configmap.yaml').split('\n')) {
      const fromValue = /^\s+(LIFELONG_\w+): \{\{ \.Values\.([\w.]+) \| quote \}\}$/.exec(line);
      if (fromValue) expected[fromValue[1]!] = String(v(fromValue[2]!));
      const literal = /^\s+(LIFELONG_\w+): "([^"]*)"$/.exec(line);
      if (literal) expected[literal[1]!] = literal[2]!;
    }
    assert.match(template('configmap.yaml'), /range \$name, \$value := \.Values\.config/);
    for (const [name, value] of Object.entries(obj(v('config'), 'config'))) expected[name] = String(value);
    assert.deepEqual(data, expected);
  });

  test('ConfigMap: the config loader accepts it (with the secrets as the Deployment adds them)', () => {
    const data = obj(one('configmap.yaml', 'ConfigMap')['data'], 'data') as Record<string, string>;
    for (const name of Object.keys(data)) assert.ok(ENV_TO_OPTION.has(name), `${name} is not an option`);
    try {
      const config = loadConfig({ env: { ...data, LIFELONG_CLICKHOUSE_PASSWORD: 'x', LIFELONG_KAFKA_SASL_PASSWORD: '' } });
      assert.equal(config.http.host, '0.0.0.0', 'probes reach the pod');
      assert.ok(config.brokers.length > 0 && config.clickhouse.url !== '');
    } catch (error) {
      assert.fail(isLifelongError(error) ? error.message : String(error));
    }
  });

  test('Deployment: replicas, selector, image, port, args', () => {
    const d = one('deployment.yaml', 'Deployment');
    assert.equal(at(d, 'spec.replicas'), v('replicaCount'));
    assert.deepEqual(at(d, 'spec.selector.matchLabels'), selectorLabels);
    assert.deepEqual(at(d, 'spec.template.metadata.labels'), selectorLabels);
    const container = obj(at(d, 'spec.template.spec.containers.0'), 'container');
    assert.equal(container['image'], `${String(v('image.repository'))}:${String(v('image.tag')) || String(chart['appVersion'])}`);
    assert.equal(container['imagePullPolicy'], v('image.pullPolicy'));
    assert.deepEqual(container['args'], ['run']);
    assert.deepEqual(container['ports'], [{ name: 'http', containerPort: v('http.port'), protocol: 'TCP' }]);
    const data = obj(one('configmap.yaml', 'ConfigMap')['data'], 'data');
    assert.equal(Number(data['LIFELONG_HTTP_PORT']), v('http.port'));
    assert.deepEqual(container['envFrom'], [{ configMapRef: { name: fullname } }]);
    assert.equal(at(d, 'spec.template.spec.serviceAccountName'), fullname);
  });

  test('Deployment: liveness and startup on /healthz, readiness on /readyz, thresholds from values', () => {
    const container = obj(at(one('deployment.yaml', 'Deployment'), 'spec.template.spec.containers.0'), 'container');
    for (const [probe, path, key] of [['startupProbe', '/healthz', 'startup'], ['livenessProbe', '/healthz', 'liveness'], ['readinessProbe', '/readyz', 'readiness']] as const) {
      const p = obj(container[probe], probe);
      assert.deepEqual(p['httpGet'], { path, port: 'http' });
      for (const [field, value] of Object.entries(obj(v(`probes.${key}`), key))) assert.equal(p[field], value, `${probe}.${field}`);
    }
  });

  test('Deployment: terminationGracePeriodSeconds covers LIFELONG_SHUTDOWN_TIMEOUT_MS', () => {
    const d = one('deployment.yaml', 'Deployment');
    const grace = Number(at(d, 'spec.template.spec.terminationGracePeriodSeconds'));
    const shutdownMs = Number(v('shutdownTimeoutMs'));
    assert.equal(grace, Math.ceil(shutdownMs / 1000) + Number(v('terminationGraceMarginSeconds')), 'as _helpers.tpl computes it');
    assert.equal(Number(obj(one('configmap.yaml', 'ConfigMap')['data'], 'data')['LIFELONG_SHUTDOWN_TIMEOUT_MS']), shutdownMs);
    assert.ok(grace * 1000 > shutdownMs);
    assert.match(template('_helpers.tpl'), /add \(div \(add \(int \.Values\.shutdownTimeoutMs\) 999\) 1000\) \(int \.Values\.terminationGraceMarginSeconds\)/);
  });

  test('Deployment: passwords come from existing Secrets named in values', () => {
    const env = arr(at(one('deployment.yaml', 'Deployment'), 'spec.template.spec.containers.0.env'), 'env').map((e) => obj(e, 'env'));
    const ref = (name: string): unknown => at(env.find((e) => e['name'] === name), 'valueFrom.secretKeyRef');
    assert.deepEqual(ref('LIFELONG_CLICKHOUSE_PASSWORD'), v('clickhouse.passwordSecret'));
    assert.deepEqual(ref('LIFELONG_KAFKA_SASL_PASSWORD'), v('kafka.sasl.passwordSecret'));
    for (const e of env) assert.ok(ENV_TO_OPTION.has(String(e['name'])), `${String(e['name'])} is an option`);
    assert.equal(JSON.stringify(one('configmap.yaml', 'ConfigMap')).includes('PASSWORD'), false, 'no password in the ConfigMap');
  });

  test('Deployment: non-root with the image\'s uid, read-only root, resources and annotations from values', () => {
    const d = one('deployment.yaml', 'Deployment');
    const pod = obj(at(d, 'spec.template.spec'), 'pod spec');
    assert.deepEqual(pod['securityContext'], v('podSecurityContext'));
    assert.deepEqual(at(pod, 'containers.0.securityContext'), v('securityContext'));
    assert.deepEqual(at(pod, 'containers.0.resources'), v('resources'));
    const uid = /^USER (\d+)(?::\d+)?$/m.exec(read('deploy', 'Dockerfile'))?.[1];
    assert.equal(Number(at(pod, 'securityContext.runAsUser')), Number(uid), 'runAsUser = the Dockerfile USER');
    assert.equal(at(pod, 'securityContext.runAsNonRoot'), true);
    const annotations = obj(at(d, 'spec.template.metadata.annotations'), 'annotations');
    assert.equal(annotations['prometheus.io/port'], String(v('http.port')));
    assert.equal(annotations['prometheus.io/path'], '/metrics');
    const configmap = read('deploy', 'k8s', 'configmap.yaml');
    const checksum = createHash('sha256').update(configmap.slice(configmap.indexOf('\napiVersion:') + 1)).digest('hex');
    assert.equal(annotations['checksum/config'], checksum, 'checksum/config = sha256 of configmap.yaml from its apiVersion line (update it with the ConfigMap)');
  });

  test('Service and PodDisruptionBudget select the Deployment\'s pods', () => {
    const service = one('service.yaml', 'Service');
    assert.deepEqual(at(service, 'spec.selector'), selectorLabels);
    assert.equal(at(service, 'spec.type'), v('service.type'));
    assert.deepEqual(at(service, 'spec.ports'), [{ name: 'http', port: v('service.port'), targetPort: 'http', protocol: 'TCP' }]);
    const pdb = one('pdb.yaml', 'PodDisruptionBudget');
    assert.equal(at(pdb, 'spec.maxUnavailable'), v('podDisruptionBudget.maxUnavailable'));
    assert.deepEqual(at(pdb, 'spec.selector.matchLabels'), selectorLabels);
    assert.equal(at(one('serviceaccount.yaml', 'ServiceAccount'), 'automountServiceAccountToken'), false);
  });

  test('KEDA ScaledObject (keda.enabled=true): scales the Deployment on the group\'s lag of the input topic', () => {
    const so = one('optional/keda-scaledobject.yaml', 'ScaledObject');
    assert.deepEqual(at(so, 'spec.scaleTargetRef'), { apiVersion: 'apps/v1', kind: 'Deployment', name: fullname });
    assert.equal(at(so, 'spec.minReplicaCount'), v('keda.minReplicaCount'));
    assert.equal(at(so, 'spec.maxReplicaCount'), Math.min(Number(v('keda.maxReplicaCount')), Number(v('partitions'))));
    assert.equal(at(so, 'spec.pollingInterval'), v('keda.pollingInterval'));
    assert.equal(at(so, 'spec.cooldownPeriod'), v('keda.cooldownPeriod'));
    const trigger = obj(at(so, 'spec.triggers.0'), 'trigger');
    assert.equal(trigger['type'], 'kafka');
    assert.deepEqual(
      { ...obj(trigger['metadata'], 'metadata') },
      {
        bootstrapServers: v('kafka.brokers'),
        consumerGroup: v('applicationId'),
        topic: v('topics.events'),
        lagThreshold: v('keda.lagThreshold'),
        activationLagThreshold: v('keda.activationLagThreshold'),
        offsetResetPolicy: 'earliest',
        allowIdleConsumers: 'false',
      },
    );
  });
});
