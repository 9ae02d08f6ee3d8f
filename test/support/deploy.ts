import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { packageRoot } from '../../src/config/paths.js';
import { OPTIONS, envName } from '../../src/config/options.js';
import { RuntimeMetrics } from '../../src/observability/metrics.js';
import { RUNTIME_STORES } from '../../src/runtime/partition-task.js';
import { describeTopology } from '../../src/topology/topology.js';
import { topologiesFromConfig } from '../../topologies/index.js';
import { loadConfig } from '../../src/config/config.js';

/** Helpers for the checks of deploy/ (compose, Helm, manifests, dashboards, image). */

export const ROOT = packageRoot();
export const DEPLOY = join(ROOT, 'deploy');

export const read = (...parts: string[]): string => readFileSync(join(ROOT, ...parts), 'utf8');

/** One YAML document; fails on any parse error or warning (duplicate keys included). */
export function yamlFile(...parts: string[]): unknown {
  const document = parseDocument(read(...parts), { merge: true, uniqueKeys: true });
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) throw new Error(`${parts.join('/')}: ${problems.map((p) => p.message).join('; ')}`);
  return document.toJS({ maxAliasCount: 100 });
}

/** Every non-empty document of a multi-document YAML file. */
export function yamlDocuments(...parts: string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const document of parseAllDocuments(read(...parts), { uniqueKeys: true })) {
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0) throw new Error(`${parts.join('/')}: ${problems.map((p) => p.message).join('; ')}`);
    const value: unknown = document.toJS();
    if (value !== null && value !== undefined) out.push(value as Record<string, unknown>);
  }
  return out;
}

export type Json = Record<string, unknown>;

export function obj(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not a mapping: ${JSON.stringify(value)}`);
  return value as Json;
}

export function arr(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what} is not a list: ${JSON.stringify(value)}`);
  return value;
}

/** Follows a dotted path (`spec.template.spec`); array indexes as numbers. */
export function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node === null || node === undefined ? undefined : (node as Record<string, unknown>)[key]), value);
}

/** LIFELONG_* name → option path, from the option table. */
export const ENV_TO_OPTION = new Map(OPTIONS.map((o) => [envName(o.path), o.path]));

/** Docker Compose interpolation of ${VAR:-default} / ${VAR-default} / ${VAR} with the given environment (defaults otherwise). */
export function interpolate(value: string, env: Readonly<Record<string, string>> = {}): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_m, name: string, fallback: string | undefined) => env[name] ?? fallback ?? '');
}

/** Every changelog topic the default application needs: the topologies' stores and the runtime's own. */
export function changelogTopics(applicationId = 'lifelong'): string[] {
  const stores = [
    ...topologiesFromConfig(loadConfig({ flags: { applicationId } })).flatMap((t) => describeTopology(t, applicationId, 'lifelong.events').stores.map((s) => s.name)),
    ...Object.values(RUNTIME_STORES),
  ];
  return [...new Set(stores)].map((store) => `${applicationId}.${store}-changelog`).sort();
}

/**
 * Metric names as Prometheus exposes them (histograms with _bucket/_sum/_count): the
 * runtime's registry with the default process metrics, plus every metric declared
 * anywhere in src/ and topologies/ (components such as the learner register theirs on
 * demand, so they are found by their declarations).
 */
export async function exposedMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  const add = (name: string, type: string): void => {
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
  };
  const metrics = new RuntimeMetrics({ defaultMetrics: true });
  for (const metric of await metrics.registry.getMetricsAsJSON()) add(metric.name, String(metric.type));
  for (const dir of ['src', 'topologies']) {
    for (const file of readdirSync(join(ROOT, dir), { recursive: true }).map(String).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(ROOT, dir, file), 'utf8');
      for (const [, type, name] of text.matchAll(/new (Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name: '(lifelong_[a-z0-9_]+)'/g)) add(name!, type!.toLowerCase());
    }
  }
  return names;
}

export interface PanelQuery {
  readonly dashboard: string;
  readonly panel: string;
  readonly refId: string;
  readonly datasource: { readonly type: string; readonly uid: string };
  /** rawSql for ClickHouse, expr for Prometheus. */
  readonly text: string;
}

export const DASHBOARDS = ['sessions', 'processing'] as const;

export function dashboard(name: string): Json {
  return obj(JSON.parse(read('deploy', 'grafana', 'dashboards', `${name}.json`)), `${name}.json`);
}

/** Every query of every panel (rows' nested panels included). */
export function panelQueries(name: string): PanelQuery[] {
  const out: PanelQuery[] = [];
  const visit = (panels: unknown): void => {
    for (const raw of arr(panels ?? [], `${name}.panels`)) {
      const panel = obj(raw, `${name} panel`);
      if (panel['panels'] !== undefined) visit(panel['panels']);
      for (const rawTarget of arr(panel['targets'] ?? [], `${name} ${String(panel['title'])} targets`)) {
        const target = obj(rawTarget, 'target');
        const datasource = obj(target['datasource'] ?? panel['datasource'], `${String(panel['title'])} datasource`) as { type: string; uid: string };
        const text = String(target['rawSql'] ?? target['expr'] ?? '');
        out.push({ dashboard: name, panel: String(panel['title']), refId: String(target['refId']), datasource, text });
      }
    }
  };
  visit(dashboard(name)['panels']);
  return out;
}

export interface TimeRange {
  /** Unix seconds. */
  readonly from: number;
  readonly to: number;
  /** $__interval_s: Grafana's step for the panel width. */
  readonly intervalSeconds: number;
}

/**
 * The SQL grafana-clickhouse-datasource 4.x sends for a panel, macros expanded as its
 * pkg/macros does (`modern`), or with the same meaning in SQL that ClickHouse 18.16 also
 * runs (`portable`: 18.16 has no toStartOfInterval). Fails on a macro it does not know,
 * so a panel cannot use one that was not checked here.
 */
export function expandMacros(sql: string, range: TimeRange, dialect: 'modern' | 'portable'): string {
  const interval = Math.max(1, Math.floor(range.intervalSeconds));
  const expanded = sql
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_m, column: string) => `${column} >= toDateTime(${range.from}) AND ${column} <= toDateTime(${range.to})`)
    .replace(/\$__timeInterval\(([^)]+)\)/g, (_m, column: string) =>
      dialect === 'modern' ? `toStartOfInterval(toDateTime(${column}), INTERVAL ${interval} second)` : `toDateTime(intDiv(toUInt32(toDateTime(${column})), ${interval}) * ${interval})`,
    )
    .replace(/\$__fromTime\b/g, `toDateTime(${range.from})`)
    .replace(/\$__toTime\b/g, `toDateTime(${range.to})`)
    .replace(/\$__interval_s\b/g, String(interval));
  const left = /\$\{?[A-Za-z_]\w*/.exec(expanded);
  if (left) throw new Error(`unsupported macro or variable ${left[0]} in: ${sql}`);
  return expanded;
}

export interface TopicLine {
  readonly name: string;
  readonly partitions: string;
  /** Topic configs, `key=value` comma separated, as the script passes them. */
  readonly configs: Map<string, string>;
}

/**
 * The `topic NAME PARTITIONS "CONFIGS"` lines of deploy/compose/create-topics.sh, with the
 * script's variables resolved as it would for `env` (its defaults otherwise) and its
 * $((n * DAY)) arithmetic evaluated.
 */
export function topicScriptLines(env: Readonly<Record<string, string>> = {}): TopicLine[] {
  const script = read('deploy', 'compose', 'create-topics.sh');
  const vars: Record<string, string> = {};
  for (const [, name, envName, fallback] of script.matchAll(/^([A-Z_]+)="\$\{([A-Z_]+):-([^}]*)\}"$/gm)) vars[name!] = env[envName!] ?? fallback!;
  for (const [, name, quoted, digits] of script.matchAll(/^([A-Z_]+)=(?:"([^"$]*)"|(\d+))$/gm)) vars[name!] = quoted ?? digits!;
  const resolve = (text: string): string =>
    text
      .replace(/"/g, '')
      .replace(/\$\(\((\d+) \* ([A-Z_]+)\)\)/g, (_m, a: string, name: string) => String(Number(a) * Number(vars[name])))
      .replace(/\$\{?([A-Z_]+)\}?/g, (_m, name: string) => {
        if (vars[name] === undefined) throw new Error(`create-topics.sh: unknown variable ${name}`);
        return vars[name];
      });
  return script
    .split('\n')
    .filter((line) => line.startsWith('topic '))
    .map((line) => {
      const match = /^topic\s+("[^"]+"|\S+)\s+("[^"]+"|\S+)\s+"([^"]*)"\s*$/.exec(line);
      if (!match) throw new Error(`create-topics.sh: cannot read ${line}`);
      const configs = new Map(resolve(match[3]!).split(',').map((c) => c.split('=') as [string, string]));
      return { name: resolve(match[1]!), partitions: resolve(match[2]!), configs };
    });
}
