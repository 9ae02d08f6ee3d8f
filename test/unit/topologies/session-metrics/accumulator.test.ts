import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { userEvent, type UserEvent } from '../../../../src/serde/records.js';
import { accumulate, newAccumulator, SESSION_LIMITS } from '../../../../topologies/session-metrics/accumulator.js';

const T0 = Date.UTC(2026, 0, 1);
let seq = 0;
const impression = (itemId: string, category: string, requestId = 'r1'): UserEvent =>
  userEvent({ eventId: `e${seq++}`, userId: 'u', type: 'IMPRESSION', itemId, authorId: 'a', category, requestId, ts: T0 + seq });

describe('session accumulator', () => {
  test('names that are also Object.prototype members count like any other', () => {
    const acc = newAccumulator([]);
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'constructor']) accumulate(acc, impression(name, name, name));
    accumulate(acc, userEvent({ eventId: 'c', userId: 'u', type: 'CLICK', itemId: 'constructor', authorId: 'a', category: 'constructor', ts: T0 }));
    assert.deepEqual(acc.categories, new Map([['constructor', 2], ['toString', 1], ['hasOwnProperty', 1]]));
    assert.deepEqual([...acc.trail.keys()], ['constructor', 'toString', 'hasOwnProperty']);
    assert.equal(acc.trail.get('constructor')![0], 0);
    assert.ok(acc.trail.get('constructor')![1] > 0, 'the click deepened the item already in the trail');
    assert.deepEqual(acc.slates.get('constructor'), new Map([['constructor', 2]]));
    assert.equal(acc.trailLength, 3);
  });

  test('categories beyond the limit are not counted, those already counted go on', () => {
    const acc = newAccumulator([]);
    for (let c = 0; c < SESSION_LIMITS.categories + 5; c++) accumulate(acc, impression(`i${c}`, `c${c}`));
    accumulate(acc, impression('again', 'c0'));
    assert.equal(acc.categories.size, SESSION_LIMITS.categories);
    assert.equal(acc.categories.get('c0'), 2);
    assert.equal(acc.categories.get(`c${SESSION_LIMITS.categories}`), undefined);
    assert.equal(acc.categorizedImpressions, SESSION_LIMITS.categories + 6);
  });
});
