import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../../src/config/paths.js';
import { configReference } from '../../../src/config/reference.js';

test('the README embeds the configuration reference generated from the option table', () => {
  const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
  const start = readme.indexOf('keeps it in sync -->\n');
  const end = readme.indexOf('\n<!-- end of generated reference -->');
  assert.ok(start > 0 && end > start, 'README has the generated-reference markers');
  const embedded = readme.slice(start + 'keeps it in sync -->\n'.length, end);
  assert.equal(embedded, configReference(), 'README is stale: regenerate with `lifelong config --reference`');
});
