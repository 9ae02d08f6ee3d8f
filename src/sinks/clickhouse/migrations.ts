import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemasDir } from '../../config/paths.js';
import { LifelongError, messageOf } from '../../errors/catalog.js';
import type { Logger } from '../../observability/logger.js';
import type { ClickHouseHandle } from './connect.js';

export interface MigrateOptions {
  /** Directory of NNN_name.sql files; defaults to schemas/clickhouse in the package. */
  readonly dir?: string;
  readonly logger: Logger;
}

export interface MigrateResult {
  /** File names applied by this run, in order. */
  readonly applied: string[];
  /** File names found already applied (same checksum). */
  readonly skipped: string[];
}

interface MigrationFile {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

interface AppliedRow {
  readonly version: number | string;
  readonly name: string;
  readonly checksum: string;
}

const FILE_PATTERN = /^(\d{3})_[A-Za-z0-9_]+\.sql$/;

// MergeTree with ORDER BY and a plain DateTime: the newest syntax 18.16 understands.
const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS lifelong_migrations
(
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime
)
ENGINE = MergeTree
ORDER BY version`;

/**
 * Applies schemas/clickhouse/NNN_*.sql in version order, each once, recording it in
 * lifelong_migrations. Applied files are immutable: a changed checksum is an error
 * rather than a silent re-run, since re-running DDL such as CREATE ... IF NOT EXISTS
 * would not apply the change anyway. Not safe against two processes migrating the same
 * database at the same moment; run it from one place (start-up of a single instance).
 */
export async function migrate(handle: ClickHouseHandle, options: MigrateOptions): Promise<MigrateResult> {
  const dir = options.dir ?? join(schemasDir(), 'clickhouse');
  const files = readMigrations(dir);
  const client = handle.client;
  await client.command({ query: LEDGER_DDL });
  const recorded = await readLedger(handle);

  const applied: string[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    const previous = recorded.get(file.version);
    if (previous !== undefined) {
      verifyUnchanged(file, previous);
      skipped.push(file.name);
      continue;
    }
    const started = Date.now();
    for (const statement of splitStatements(file.sql)) {
      try {
        await client.command({ query: statement });
      } catch (error) {
        throw new LifelongError('MIGRATION_FAILED', { name: file.name, detail: `${messageOf(error)} (on ${handle.describe})` }, { cause: error });
      }
    }
    await client.insert({
      table: 'lifelong_migrations',
      // DateTime as quoted unix seconds: the one JSON spelling both 18.16 and 26.x parse
      // the same way, independent of the server's time zone.
      values: [{ version: file.version, name: file.name, checksum: file.checksum, applied_at: String(Math.floor(Date.now() / 1000)) }],
      format: 'JSONEachRow',
    });
    options.logger.info({ migration: file.name, ms: Date.now() - started, target: handle.describe }, 'applied ClickHouse migration');
    applied.push(file.name);
  }
  if (applied.length === 0) options.logger.debug({ skipped: skipped.length, target: handle.describe }, 'ClickHouse schema up to date');
  return { applied, skipped };
}

function readMigrations(dir: string): MigrationFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new LifelongError('MIGRATION_FAILED', { name: dir, detail: `cannot read the migrations directory: ${messageOf(error)}` }, { cause: error });
  }
  const files: MigrationFile[] = [];
  for (const name of names.sort()) {
    const match = FILE_PATTERN.exec(name);
    if (match === null) continue;
    const sql = readFileSync(join(dir, name), 'utf8');
    const version = Number(match[1]);
    const clash = files.find((f) => f.version === version);
    if (clash !== undefined) {
      throw new LifelongError('MIGRATION_FAILED', { name, detail: `version ${version} is also used by ${clash.name}; every file needs its own NNN` });
    }
    files.push({ version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return files;
}

async function readLedger(handle: ClickHouseHandle): Promise<Map<number, AppliedRow>> {
  const result = await handle.client.query({ query: 'SELECT version, name, checksum FROM lifelong_migrations ORDER BY version', format: 'JSONEachRow' });
  const rows = await result.json<AppliedRow>();
  // UInt32 arrives as a number, but be lenient: 64-bit ints come quoted on old servers.
  return new Map(rows.map((row) => [Number(row.version), row]));
}

function verifyUnchanged(file: MigrationFile, previous: AppliedRow): void {
  if (previous.name !== file.name || previous.checksum !== file.checksum) {
    throw new LifelongError('MIGRATION_FAILED', {
      name: file.name,
      detail:
        `it was already applied as ${previous.name} with checksum ${previous.checksum.slice(0, 12)}…, ` +
        `but the file now has checksum ${file.checksum.slice(0, 12)}…; applied migrations must not change — ` +
        `revert the edit and add a new NNN_*.sql file instead`,
    });
  }
}

/**
 * The statements of a migration file without comments. Comments are stripped rather than
 * sent because a file is split on `;` here (the HTTP interface runs one statement per
 * request) and a `;` inside a comment must not split. Quotes are respected so that
 * `--`, `/*` and `;` inside string literals or quoted identifiers survive.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  for (let i = 0; i < sql.length; ) {
    const ch = sql[i]!;
    const next = sql[i + 1];
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      current += ' ';
    } else if (ch === "'" || ch === '"' || ch === '`') {
      const end = closingQuote(sql, i);
      current += sql.slice(i, end);
      i = end;
    } else if (ch === ';') {
      statements.push(current);
      current = '';
      i++;
    } else {
      current += ch;
      i++;
    }
  }
  statements.push(current);
  return statements.map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Index just past the quote closing the literal that opens at `start` (backslash escapes and doubled quotes). */
function closingQuote(sql: string, start: number): number {
  const quote = sql[start];
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] === '\\') i++;
    else if (sql[i] === quote) {
      if (sql[i + 1] === quote) i++;
      else return i + 1;
    }
  }
  return sql.length;
}
