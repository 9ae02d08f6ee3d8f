import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fallbackEmbedding } from '../../../../topologies/interest/fallback-embedding.js';
import { cosine, norm } from '../../../../topologies/interest/vector.js';

describe('fallbackEmbedding', () => {
  test('is deterministic and unit-norm', () => {
    const a = fallbackEmbedding(32, 'music', ['jazz', 'live']);
    assert.deepEqual(a, fallbackEmbedding(32, 'music', ['jazz', 'live']));
    assert.ok(Math.abs(norm(a) - 1) < 1e-6);
  });

  test('items of one category stay close, different categories are nearly orthogonal', () => {
    const jazz = fallbackEmbedding(32, 'music', ['jazz']);
    const rock = fallbackEmbedding(32, 'music', ['rock']);
    const plain = fallbackEmbedding(32, 'music', []);
    const news = fallbackEmbedding(32, 'news', []);
    assert.ok(cosine(jazz, rock) > 0.6, `same category ${cosine(jazz, rock)}`);
    assert.ok(cosine(jazz, plain) > 0.8, `tagged vs category-only ${cosine(jazz, plain)}`);
    assert.ok(Math.abs(cosine(plain, news)) < 0.6, `different categories ${cosine(plain, news)}`);
  });

  test('a missing category still gets a direction', () => {
    const none = fallbackEmbedding(8, null, []);
    assert.ok(Math.abs(norm(none) - 1) < 1e-6);
  });
});
