import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/**
 * The directory holding lifelong's package.json. Found by walking up from this module
 * rather than from process.cwd(), because the same code runs as src/config/paths.ts
 * (tsx, tests) and as dist/src/config/paths.js (built CLI), from any working directory.
 * dist/ itself is skipped: tsc copies package.json there whenever a module imports it
 * (resolveJsonModule), and dist/ has no schemas/.
 */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (basename(dir) !== 'dist' && existsSync(join(dir, 'package.json'))) return (cachedRoot = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/**
 * The schemas/ directory shipped beside the package: Avro schemas and registry.json at
 * its top (src/serde/avro.ts), ClickHouse migrations in schemas/clickhouse/.
 */
export function schemasDir(): string {
  return join(packageRoot(), 'schemas');
}
