import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { OpsServer } from '../../../src/observability/http-server.js';
import { queryAnswerer, queryRoute, routePattern, type QueryableState } from '../../../src/runtime/interactive-queries.js';
import { defineQuery } from '../../../src/topology/topology.js';

const query = defineQuery<number>({
  name: 'count',
  path: '/users/:id/count',
  store: 'counts',
  doc: 'test',
  answer: (value, key) => (value === undefined ? { status: 404, body: { error: 'unknown', key } } : { status: 200, body: { key, value } }),
});

/** Partition = the key's length mod 4; partitions 0 and 1 are local. */
const state: QueryableState = {
  partitionOf: (key) => key.length % 4,
  localValue: (partition, store, key) => {
    assert.equal(store, 'counts');
    return partition <= 1 ? { local: true, value: key === 'a' ? 7 : undefined } : { local: false };
  },
  assignedPartitions: [0, 1],
};

describe('interactive queries', () => {
  test('route patterns capture one segment and escape the rest', () => {
    const pattern = routePattern('/users/:id/interest.v1');
    assert.equal(pattern.exec('/users/u-1/interest.v1')?.[1], 'u-1');
    assert.equal(pattern.exec('/users/u-1/interestXv1'), null);
    assert.equal(pattern.exec('/users/a/b/interest.v1'), null);
    assert.throws(() => routePattern('/users/:a/:b'), /exactly one/);
  });

  test('answers local keys, 404s unknown ones, and says "not here" with the owning partition', () => {
    const answer = queryAnswerer(query, state);
    assert.deepEqual(answer('/users/a/count'), { status: 200, body: { key: 'a', value: 7 } });
    assert.deepEqual(answer('/users/b/count'), { status: 404, body: { error: 'unknown', key: 'b' } });
    assert.deepEqual(answer('/users/abc/count'), { status: 421, body: { error: 'not here', query: 'count', key: 'abc', partition: 3, localPartitions: [0, 1] } });
    assert.equal(answer('/users/a/other'), undefined);
    assert.equal(answer('/users/%E0%A4%A/count')?.status, 400);
    assert.equal(queryAnswerer(query, { ...state, partitionOf: () => undefined })('/users/a/count')?.status, 503);
  });

  test('over HTTP on the operations port, GET only, URL-decoded keys', async (t) => {
    const ops = new OpsServer(new Registry(), { live: true, ready: true });
    ops.addRoute(queryRoute(query, { ...state, localValue: (_p, _s, key) => ({ local: true, value: key.length }) }));
    const port = await ops.listen(0, '127.0.0.1');
    t.after(() => ops.close());
    const get = async (path: string, method = 'GET') => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { method });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    assert.deepEqual(await get('/users/h%C3%A9llo%20w/count'), { status: 200, body: { key: 'héllo w', value: 7 } });
    assert.equal((await get('/users/a/count', 'POST')).status, 404);
    assert.equal((await get('/healthz')).status, 200);
  });
});
