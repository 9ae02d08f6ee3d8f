import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient, ClickHouseLogLevel, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { LifelongError, messageOf } from '../../errors/catalog.js';

export type { ClickHouseClient } from '@clickhouse/client';

export interface ClickHouseSettings {
  /** HTTP(S) address of a ClickHouse server; without it the embedded engine (chdb) is used. */
  readonly url?: string;
  /** Data directory of the embedded engine; created when missing. */
  readonly embeddedPath: string;
  readonly database: string;
  readonly username: string;
  readonly password?: string;
  readonly requestTimeoutMs: number;
  /** PEM file of the CA that signed an https:// server's certificate (TLS). */
  readonly caFile?: string;
}

export interface ClickHouseHandle {
  /** Already bound to `database`, in both modes. */
  readonly client: ClickHouseClient;
  readonly kind: 'server' | 'embedded';
  /** Where the data goes, for logs and /readyz; never contains credentials. */
  readonly describe: string;
  close(): Promise<void>;
}

const SINK = 'clickhouse';

/**
 * Connects to ClickHouse and makes sure `settings.database` exists and is the database
 * unqualified table names resolve to. Both modes hand back the same @clickhouse/client
 * API, so sinks and migrations never branch on the mode.
 */
export async function connectClickHouse(settings: ClickHouseSettings): Promise<ClickHouseHandle> {
  const database = identifier(settings.database);
  return settings.url === undefined
    ? connectEmbedded(settings.embeddedPath, database)
    : connectServer(settings.url, database, settings);
}

async function connectServer(url: string, database: string, settings: ClickHouseSettings): Promise<ClickHouseHandle> {
  const describe = safeUrl(url);
  const options = {
    url,
    username: settings.username,
    password: settings.password ?? '',
    request_timeout: settings.requestTimeoutMs,
    // Compression and every client-side setting stay off: the oldest server we support
    // (18.16) predates several settings newer clients like to send, and a plain HTTP
    // body is what it handles best. clickhouse_settings is deliberately left empty.
    compression: { request: false, response: false },
    application: 'lifelong',
    // The client's own logger prints to the console; our callers log failures themselves.
    log: { level: ClickHouseLogLevel.OFF },
    // Servers before 23.11 close an idle connection after 3 s. A batch that keeps the event
    // loop busy can delay the client's own idle timer past that, and the next insert then
    // takes a socket the server has closed ("socket hang up", a retry, a batch waiting):
    // seen on every few inserts in the Kafka bench. Stale sockets are dropped when taken.
    keep_alive: { idle_socket_ttl: 1_500, eagerly_destroy_stale_sockets: true },
    ...(settings.caFile ? { tls: { ca_cert: readFileSync(settings.caFile) } } : {}),
  };
  // The database has to exist before a client may name it: every request of a client
  // built with `database` carries ?database=…, which the server rejects for an unknown one.
  const bootstrap = createClient(options);
  try {
    await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  } catch (error) {
    throw new LifelongError('SINK_UNAVAILABLE', { sink: SINK, detail: `${describe}: ${messageOf(error)}` }, { cause: error });
  } finally {
    await bootstrap.close();
  }
  const client = createClient({ ...options, database });
  return { client, kind: 'server', describe, close: () => client.close() };
}

/*
 * chdb binds ONE data directory per process (checked with chdb 3.4.0 / ClickHouse 26.7):
 * - several connections to the SAME path coexist (they share the process-wide engine and
 *   its data; closing one leaves the others working), so each connectClickHouse() call
 *   gets its own connection and no handle sharing is needed;
 * - a connection to a DIFFERENT path while any is open throws "only one active data
 *   directory per process"; it works again once every connection to the first path is
 *   closed. We turn that into CONFIG_INVALID with the advice spelled out.
 * Also: chdb's connection ignores the client's `database` option (it has no URL to put
 * it in), so we `USE` the database on the connection; `USE` and `SET` stick for that
 * connection (which is also why per-query clickhouse_settings must not be used in
 * embedded mode: chdb turns them into `SET` statements that leak into later queries).
 */

/**
 * chdb's defaults are more lenient than the 18.16 server's, so rows that only work
 * embedded would fail (and retry forever) in production. These make the embedded engine
 * behave like the server for what we send and read:
 * - unknown JSONEachRow fields are an error, not silently dropped;
 * - DateTime accepts only 'YYYY-MM-DD hh:mm:ss' or unix seconds, not ISO 8601;
 * - UInt64/Int64 come back as JSON strings, as 18.16 returns them.
 */
const SERVER_PARITY = [
  'SET input_format_skip_unknown_fields = 0',
  "SET date_time_input_format = 'basic'",
  'SET output_format_json_quote_64bit_integers = 1',
];
async function connectEmbedded(embeddedPath: string, database: string): Promise<ClickHouseHandle> {
  const path = resolve(embeddedPath);
  const describe = `embedded at ${embeddedPath}`;
  mkdirSync(path, { recursive: true });
  // Loaded on demand: the native engine is large and server mode never needs it.
  const { createChdbConnection } = await import('chdb/connection');
  let connection: ReturnType<typeof createChdbConnection>;
  try {
    connection = createChdbConnection({ path });
  } catch (error) {
    const detail = /one active data directory/i.test(messageOf(error))
      ? `clickhouse.embeddedPath ${path}: another embedded ClickHouse data directory is open in this process (chdb allows one per process); close it first or use the same path`
      : `clickhouse.embeddedPath ${path}: ${messageOf(error)}`;
    throw new LifelongError('CONFIG_INVALID', { detail }, { cause: error });
  }
  const client = createClient({ connection: connection as unknown as ClientConnection });
  try {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    for (const query of [`USE ${database}`, ...SERVER_PARITY]) await client.command({ query });
  } catch (error) {
    await client.close();
    throw new LifelongError('SINK_UNAVAILABLE', { sink: SINK, detail: `${describe}: ${messageOf(error)}` }, { cause: error });
  }
  return { client, kind: 'embedded', describe, close: () => client.close() };
}

/**
 * chdb implements the Connection contract of @clickhouse/client-common, while
 * @clickhouse/client 1.23 bundles its own copy of those types; the shapes are the same
 * at runtime but TypeScript sees two unrelated classes (SettingsMap's private field).
 */
type ClientConnection = NonNullable<ClickHouseClientConfigOptions['connection']>;

/** Database names go into DDL unquoted (18.16 has no query parameters), so allow only plain identifiers. */
function identifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new LifelongError('CONFIG_INVALID', { detail: `clickhouse.database must be a plain identifier, got ${JSON.stringify(name)}` });
  }
  return name;
}

/** The URL without user info or query string, so a password in it never reaches a log. */
function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    throw new LifelongError('CONFIG_INVALID', { detail: 'clickhouse.url is not a valid URL' });
  }
}
