import { LifelongError, messageOf } from '../../errors/catalog.js';
import type { Logger } from '../../observability/logger.js';
import { retry, type RetryHooks, type RetryPolicy } from '../../runtime/retry.js';
import type { ClickHouseHandle } from './connect.js';

export interface RowSink<Row> {
  /** Buffers rows; the promise resolves when they are durably inserted (after retries). Rejects only once closed/aborted. */
  write(rows: readonly Row[]): Promise<void>;
  /** Sends everything written so far without waiting for the batch delay; resolves once it is durable. */
  flush(): Promise<void>;
  /**
   * Refuses new writes, sends what is buffered, and resolves once it is durable. Retries
   * stop: a batch failing (or already failing) now rejects its writes and everything
   * behind it, and close() rejects with SINK_UNAVAILABLE naming the rows lost.
   * Does not close the ClickHouse handle, which the caller owns.
   */
  close(): Promise<void>;
  /** False while the last insert attempt failed and retries are under way (drives /readyz). */
  readonly healthy: boolean;
  /** Rows buffered and not yet durable (bounded: write() waits when the buffer is over maxBufferedRows — back-pressure). */
  readonly pendingRows: number;
}

export type InsertRows<Row> = (table: string, rows: readonly Row[]) => Promise<void>;

export interface BatchedSinkOptions<Row = Record<string, unknown>> {
  table: string;
  /** A batch is sent as soon as it holds this many rows. */
  maxBatchRows: number;
  /** ...or this long after its first row was buffered, whichever comes first. */
  maxBatchDelayMs: number;
  /** Rows buffered (queued + in flight) beyond which write() holds new rows back. */
  maxBufferedRows: number;
  /** Use maxAttempts: Infinity; a finite policy drops (rejects) a batch once it is exhausted. */
  retry: RetryPolicy;
  logger: Logger;
  onInsert?(rows: number, ms: number): void;
  onRetry?(error: unknown, attempt: number): void;
  /** An insert attempt running longer than this makes the sink report unhealthy, in milliseconds (default 5 s). */
  stallAfterMs?: number;
  /** Replaces the ClickHouse insert, for unit tests. */
  insert?: InsertRows<Row>;
  /** Replace the backoff clock and jitter, for unit tests. */
  sleep?: RetryHooks['sleep'];
  random?: RetryHooks['random'];
}

/**
 * A RowSink inserting into a ClickHouse table with JSONEachRow. Rows of many write()
 * calls share batches, one insert is in flight at a time (so rows land in write order),
 * and a failed insert is retried with the same rows until it succeeds — safe because the
 * target tables are ReplacingMergeTree, where a duplicate row collapses on merge.
 */
export function clickHouseSink<Row extends Record<string, unknown>>(handle: ClickHouseHandle, options: BatchedSinkOptions<Row>): RowSink<Row> {
  const insert: InsertRows<Row> =
    options.insert ??
    (async (table, rows) => {
      await handle.client.insert({ table, values: rows, format: 'JSONEachRow' });
    });
  return new BatchedSink<Row>(insert, `clickhouse ${handle.describe} ${options.table}`, options);
}

/** The batching machinery without ClickHouse, for any `insert`. */
export function batchedSink<Row>(insert: InsertRows<Row>, options: BatchedSinkOptions<Row>): RowSink<Row> {
  return new BatchedSink<Row>(insert, options.table, options);
}

/** One write() call: settles when all of its rows are inserted (or given up on). */
interface Ticket {
  readonly id: number;
  remaining: number;
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface Entry<Row> {
  readonly row: Row;
  readonly ticket: Ticket;
  /** When the row entered the buffer; the batch delay counts from its first row. */
  readonly at: number;
}

const DEFAULT_STALL_AFTER_MS = 5_000;

class BatchedSink<Row> implements RowSink<Row> {
  /** Writes waiting for buffer space, in call order (admitting out of order would reorder rows). */
  private readonly waiting: { rows: readonly Row[]; ticket: Ticket }[] = [];
  private readonly queue: Entry<Row>[] = [];
  private inFlight: Entry<Row>[] = [];
  private readonly outstanding = new Set<Ticket>();
  private nextTicket = 1;
  /** Tickets up to this id are sent without waiting for the batch delay (flush/close). */
  private flushThrough = 0;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  private lost = 0;
  private unhealthy = false;
  /** When the insert attempt in progress began (undefined between attempts). */
  private attemptStartedAt: number | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly insert: InsertRows<Row>,
    private readonly name: string,
    private readonly options: BatchedSinkOptions<Row>,
  ) {
    for (const key of ['maxBatchRows', 'maxBufferedRows'] as const) {
      if (!(options[key] >= 1)) throw new LifelongError('CONFIG_INVALID', { detail: `sink ${name}: ${key} must be at least 1` });
    }
  }

  get healthy(): boolean {
    // An insert that hangs (a server that stopped mid-request) is as bad as one that failed.
    const stalled = this.attemptStartedAt !== undefined && Date.now() - this.attemptStartedAt > (this.options.stallAfterMs ?? DEFAULT_STALL_AFTER_MS);
    return !this.unhealthy && !stalled;
  }

  get pendingRows(): number {
    return this.queue.length + this.inFlight.length;
  }

  write(rows: readonly Row[]): Promise<void> {
    if (this.closing) return Promise.reject(this.unavailable('the sink is closed'));
    if (rows.length === 0) return Promise.resolve();
    const ticket = this.newTicket(rows.length);
    this.waiting.push({ rows, ticket });
    this.admit();
    this.pump();
    return ticket.promise;
  }

  flush(): Promise<void> {
    this.flushThrough = this.nextTicket - 1;
    const pending = [...this.outstanding].map((t) => t.promise);
    this.pump();
    return Promise.all(pending).then(() => undefined);
  }

  async close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      // Wakes a batch sleeping between retries (it then gives up) and makes every later
      // batch get a single attempt: retry() rethrows instead of waiting once aborted.
      this.abort.abort(this.unavailable('the sink is closing'));
      this.admit();
    }
    await this.flush().catch(() => undefined);
    this.clearTimer();
    if (this.lost > 0) throw this.unavailable(`closed with ${this.lost} rows not inserted`);
  }

  private newTicket(rows: number): Ticket {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const ticket: Ticket = { id: this.nextTicket++, remaining: rows, promise, resolve, reject };
    this.outstanding.add(ticket);
    return ticket;
  }

  /** Moves waiting writes into the buffer while it has room; a write larger than the whole buffer goes in alone. */
  private admit(): void {
    const now = Date.now();
    for (let head = this.waiting[0]; head !== undefined; head = this.waiting[0]) {
      const buffered = this.pendingRows;
      if (!this.closing && buffered > 0 && buffered + head.rows.length > this.options.maxBufferedRows) return;
      this.waiting.shift();
      for (const row of head.rows) this.queue.push({ row, ticket: head.ticket, at: now });
    }
  }

  /** Starts the next insert if none is in flight and a batch is due; otherwise arms the delay timer. */
  private pump(): void {
    if (this.inFlight.length > 0) return;
    const head = this.queue[0];
    if (head === undefined) return this.clearTimer();
    const waitMs = head.at + this.options.maxBatchDelayMs - Date.now();
    const due = this.closing || this.queue.length >= this.options.maxBatchRows || head.ticket.id <= this.flushThrough || waitMs <= 0;
    if (!due) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, waitMs);
      return;
    }
    this.clearTimer();
    this.inFlight = this.queue.splice(0, this.options.maxBatchRows);
    void this.send(this.inFlight);
  }

  /**
   * Ends the in-flight insert and starts the next. Runs synchronously with settling the
   * batch's writes, so pendingRows is up to date when a writer resumes, and a write()
   * made from a settled callback cannot start a second insert alongside this one.
   */
  private finish(): void {
    this.inFlight = [];
    this.admit();
    this.pump();
  }

  private async send(batch: Entry<Row>[]): Promise<void> {
    const rows = batch.map((e) => e.row);
    const started = Date.now();
    try {
      await retry(
        async () => {
          this.attemptStartedAt = Date.now();
          try {
            await this.insert(this.options.table, rows);
          } catch (error) {
            this.unhealthy = true;
            throw error;
          } finally {
            this.attemptStartedAt = undefined;
          }
        },
        this.options.retry,
        {
          signal: this.abort.signal,
          ...(this.options.sleep === undefined ? {} : { sleep: this.options.sleep }),
          ...(this.options.random === undefined ? {} : { random: this.options.random }),
          onRetry: (error, attempt, delayMs) => {
            this.options.logger.warn({ sink: this.name, rows: rows.length, attempt, delayMs, err: messageOf(error) }, 'insert failed; retrying the same batch');
            this.callHook(() => this.options.onRetry?.(error, attempt));
          },
        },
      );
    } catch (error) {
      this.giveUp(batch, error);
      this.finish();
      return;
    }
    this.finish();
    if (this.unhealthy) this.options.logger.info({ sink: this.name, rows: rows.length }, 'insert succeeded again');
    this.unhealthy = false;
    this.callHook(() => this.options.onInsert?.(rows.length, Date.now() - started));
    for (const entry of batch) {
      if (--entry.ticket.remaining === 0) this.settle(entry.ticket);
    }
  }

  /** A throwing metrics hook must not wedge the sink. */
  private callHook(hook: () => void): void {
    try {
      hook();
    } catch (error) {
      this.options.logger.warn({ sink: this.name, err: messageOf(error) }, 'sink hook threw');
    }
  }

  /** Rejects the writes of a batch that will not be retried; once closing, also everything behind it. */
  private giveUp(batch: Entry<Row>[], error: unknown): void {
    const dropped = this.closing ? [...batch, ...this.queue.splice(0)] : batch;
    this.lost += dropped.length;
    const reason = this.unavailable(`${dropped.length} rows not inserted: ${messageOf(error)}`, error);
    this.options.logger.error({ sink: this.name, rows: dropped.length, err: messageOf(error) }, 'insert abandoned');
    for (const entry of dropped) this.settle(entry.ticket, reason);
  }

  private settle(ticket: Ticket, error?: unknown): void {
    if (!this.outstanding.delete(ticket)) return;
    if (error === undefined) ticket.resolve();
    else ticket.reject(error);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private unavailable(detail: string, cause?: unknown): LifelongError {
    return new LifelongError('SINK_UNAVAILABLE', { sink: this.name, detail }, cause === undefined ? {} : { cause });
  }
}
