import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../../src/config/config.js';
import { isLifelongError } from '../../../../src/index.js';
import { INTEREST_DEFAULTS, interestOptions } from '../../../../topologies/interest/options.js';
import { InterestLayout } from '../../../../topologies/interest/user-interest.js';

describe('interest options', () => {
  test('the topology defaults are the configuration defaults', () => {
    const { itemsTopic, ...defaults } = INTEREST_DEFAULTS;
    // `enabled` chooses whether the topology runs at all: not one of its options.
    const { enabled, ...options } = loadConfig().interest;
    assert.equal(enabled, true);
    assert.deepEqual(options, defaults);
    assert.equal(itemsTopic, loadConfig().topics.items);
  });

  test('out-of-range values are refused with the option name', () => {
    assert.throws(() => interestOptions({ bitsPerSignature: 11 }), (e: unknown) => isLifelongError(e, 'CONFIG_INVALID') && e.message.includes('interest.bitsPerSignature'));
    assert.throws(() => interestOptions({ embeddingDim: 0 }), (e: unknown) => isLifelongError(e, 'CONFIG_INVALID'));
  });

  test('the default layout is S·2^τ·(d+1) + (d+1) + Kc + Ka floats: 841 floats, 3,364 bytes', () => {
    const layout = new InterestLayout(INTEREST_DEFAULTS);
    assert.equal(layout.floats, 6 * 4 * 33 + 33 + 8 + 8);
    assert.equal(layout.floatBytes, 3364);
  });
});
