import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { schemasDir } from '../../../src/config/paths.js';
import { DASHBOARDS, DEPLOY, arr, dashboard, expandMacros, exposedMetricNames, obj, panelQueries, read, yamlFile } from '../../support/deploy.js';

/*
 * The Grafana dashboards under deploy/grafana/dashboards, checked statically: structure,
 * data source uids against the provisioning file, every Prometheus metric against what
 * the runtime exposes, and the ClickHouse SQL against the portable subset (the SQL itself
 * runs against real ClickHouse in test/integration/grafana-panels.test.ts).
 */
const datasources = arr(obj(yamlFile('deploy', 'grafana', 'provisioning', 'datasources', 'datasources.yml'), 'datasources')['datasources'], 'datasources').map((d) => obj(d, 'ds'));
const uids = new Map(datasources.map((d) => [String(d['uid']), String(d['type'])]));

describe('Grafana dashboards', () => {
  test('are the two dashboards, with distinct uids and panel ids, each panel placed and queried', () => {
    assert.deepEqual(readdirSync(join(DEPLOY, 'grafana', 'dashboards')).sort(), DASHBOARDS.map((d) => `${d}.json`).sort());
    const seen = new Set<string>();
    for (const name of DASHBOARDS) {
      const d = dashboard(name);
      assert.ok(typeof d['uid'] === 'string' && !seen.has(d['uid']), `${name}: uid`);
      seen.add(String(d['uid']));
      assert.ok(typeof d['title'] === 'string' && typeof d['schemaVersion'] === 'number');
      const ids = new Set<number>();
      for (const raw of arr(d['panels'], 'panels')) {
        const panel = obj(raw, 'panel');
        assert.ok(!ids.has(Number(panel['id'])), `${name}: duplicate panel id ${String(panel['id'])}`);
        ids.add(Number(panel['id']));
        const grid = obj(panel['gridPos'], `${String(panel['title'])}.gridPos`);
        for (const k of ['x', 'y', 'w', 'h']) assert.equal(typeof grid[k], 'number', `${String(panel['title'])}.gridPos.${k}`);
        assert.ok(Number(grid['x']) + Number(grid['w']) <= 24, `${String(panel['title'])} fits the 24-column grid`);
        assert.ok(arr(panel['targets'], 'targets').length > 0, `${String(panel['title'])} has a query`);
      }
    }
  });

  test('every query names a provisioned data source of the right type', () => {
    for (const name of DASHBOARDS) {
      for (const q of panelQueries(name)) {
        assert.equal(uids.get(q.datasource.uid), q.datasource.type, `${name} / ${q.panel}: data source ${q.datasource.uid}`);
        assert.ok(q.text.trim().length > 0, `${name} / ${q.panel}: empty query`);
      }
    }
  });

  test('ClickHouse targets are raw SQL in the plugin\'s query model', () => {
    for (const name of DASHBOARDS) {
      for (const raw of arr(dashboard(name)['panels'], 'panels')) {
        const panel = obj(raw, 'panel');
        for (const t of arr(panel['targets'], 'targets').map((x) => obj(x, 'target'))) {
          if (obj(t['datasource'], 'ds')['type'] !== 'grafana-clickhouse-datasource') continue;
          assert.equal(t['editorType'], 'sql');
          // Format: 0 time series, 1 table (grafana-clickhouse-datasource 4.x).
          assert.equal(t['format'], panel['type'] === 'timeseries' ? 0 : 1, `${String(panel['title'])}: format`);
          assert.equal(t['queryType'], panel['type'] === 'timeseries' ? 'timeseries' : 'table');
        }
      }
    }
  });

  test('the sessions dashboard covers sessions/min, CTR, utility, return rate, diversity, novelty, by policy/arm and hour', () => {
    const titles = panelQueries('sessions').map((q) => q.panel.toLowerCase());
    for (const wanted of [/sessions \/ min by policy/, /^ctr by policy/, /utility by policy/, /return rate.*by policy/, /diversity by policy/, /novelty.*by policy/, /hour/, /summary by policy/]) {
      assert.ok(titles.some((t) => wanted.test(t)), `no panel matching ${String(wanted)}`);
    }
  });

  test('ClickHouse SQL: only the session tables, only macros that are checked, portable to 18.16', () => {
    const tables = readdirSync(join(schemasDir(), 'clickhouse'))
      .flatMap((f) => [...read('schemas', 'clickhouse', f).matchAll(/CREATE (?:TABLE|VIEW) IF NOT EXISTS (\w+)/g)].map((m) => m[1]!));
    const range = { from: 1_700_000_000, to: 1_700_086_400, intervalSeconds: 60 };
    for (const q of panelQueries('sessions')) {
      assert.equal(q.datasource.type, 'grafana-clickhouse-datasource');
      for (const [, table] of q.text.matchAll(/\bFROM\s+(\w+)/g)) assert.ok(tables.includes(table!), `${q.panel}: unknown table ${table}`);
      assert.doesNotMatch(q.text, /DateTime64|LowCardinality|_ms\(|\{\w+:\w+\}/, `${q.panel}: not portable to ClickHouse 18.16`);
      assert.match(q.text, /session_metrics FINAL/, `${q.panel}: reads session_metrics with FINAL (replays collapse)`);
      assert.match(q.text, /\$__timeFilter\(end_time\)/, `${q.panel}: follows the dashboard's time range`);
      expandMacros(q.text, range, 'portable'); // throws on an unknown macro
    }
  });

  test('the processing dashboard covers lag, events/s, dead letters, batch/commit/sink latency, pending rows and restore time', async () => {
    const exprs = panelQueries('processing').map((q) => q.text).join('\n');
    for (const metric of ['lifelong_consumer_lag', 'lifelong_records_in_total', 'lifelong_dead_letters_total', 'lifelong_batch_duration_seconds_bucket', 'lifelong_commit_duration_seconds_bucket', 'lifelong_sink_insert_duration_seconds_bucket', 'lifelong_sink_pending_rows', 'lifelong_restore_duration_seconds_sum']) {
      assert.ok(exprs.includes(metric), `processing dashboard does not use ${metric}`);
    }
    assert.match(exprs, /by \(partition\) \(lifelong_consumer_lag\)/, 'lag per partition');
    assert.match(exprs, /by \(code, stage\) \(rate\(lifelong_dead_letters_total/, 'dead letters by code');
    assert.ok((await exposedMetricNames()).size > 20);
  });

  test('every Prometheus metric named in a panel is one the runtime exposes', async () => {
    const names = await exposedMetricNames();
    for (const q of panelQueries('processing')) {
      assert.equal(q.datasource.type, 'prometheus');
      for (const [metric] of q.text.matchAll(/\blifelong_[a-z0-9_]+/g)) assert.ok(names.has(metric), `${q.panel}: ${metric} is not exposed by RuntimeMetrics`);
      // Balanced brackets: a cheap guard against a broken expression.
      for (const [open, close] of [['(', ')'], ['[', ']'], ['{', '}']] as const) assert.equal(q.text.split(open).length, q.text.split(close).length, `${q.panel}: unbalanced ${open}${close} in ${q.text}`);
    }
  });
});
