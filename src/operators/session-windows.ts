import type avro from 'avsc';
import { Observable, type OperatorFunction } from 'rxjs';
import { avroState } from '../state/avro-store-codec.js';
import { LifelongError } from '../errors/catalog.js';
import type { KeyValueStore } from '../state/store.js';
import type { PartitionContext, StreamItem, StreamRecord } from '../topology/topology.js';

/** Before any session closed (a finite number, so the slot survives JSON). */
const NOTHING_CLOSED = Number.MIN_SAFE_INTEGER;

/** An open session window of one key, with the topology's accumulator. */
export interface SessionWindow<A> {
  readonly id: string;
  startMs: number;
  lastMs: number;
  acc: A;
}

/** What the session store keeps per key. */
export interface SessionSlot<A> {
  open: SessionWindow<A> | null;
  /** End of the last closed session: events before it cannot be placed any more. */
  lastClosedEndMs: number;
}

/** The Avro schema of a session slot (for `avroStoreCodec`), given the accumulator's. */
export function sessionSlotSchema(accumulator: avro.schema.RecordType): avro.schema.RecordType {
  return avroState.record('SessionSlot', {
    open: avroState.nullable(avroState.record('SessionWindow', { id: 'string', startMs: avroState.number, lastMs: avroState.number, acc: accumulator })),
    lastClosedEndMs: avroState.number,
  });
}

export type CloseReason = 'end' | 'gap' | 'new-session';

export interface ClosedSession<A> {
  readonly key: string;
  readonly window: SessionWindow<A>;
  readonly reason: CloseReason;
}

export interface SessionWindowSpec<E, A> {
  readonly storeName: string;
  /** Inactivity, in event time, that ends a session without an explicit end. */
  readonly gapMs: number;
  /** How far behind stream time an event may arrive and still be placed. */
  readonly allowedLatenessMs: number;
  timeOf(event: E): number;
  /** An explicit session id carried by the event, if any. */
  sessionIdOf(event: E): string | null;
  /** Whether the event explicitly opens or ends a session. */
  boundaryOf(event: E): 'start' | 'end' | null;
  create(key: string, event: E, context: PartitionContext): A;
  add(acc: A, event: E): void;
  /** Told as a session closes, before the key's next session is created (to carry state across sessions). */
  onClose?(closed: ClosedSession<A>): void;
}

/**
 * Groups each key's events into sessions on event time: explicit ids and start/end
 * markers win, otherwise an inactivity gap splits. Sessions whose gap has passed in
 * stream time (less the allowed lateness, so late events still land in them) close on
 * the next tick. Emits each session once, when it closes.
 */
export function sessionWindows<E, A>(spec: SessionWindowSpec<E, A>, context: PartitionContext): OperatorFunction<StreamItem<E>, ClosedSession<A>> {
  const store = context.store<SessionSlot<A>>(spec.storeName);
  // Closed sessions go straight to the subscriber: a mergeMap over an array per record
  // would subscribe an inner observable for every event, and most events close nothing.
  return (source) =>
    new Observable<ClosedSession<A>>((subscriber) => {
      const emit = (closed: ClosedSession<A>): void => subscriber.next(close(spec, closed));
      // Built on first use, from the store as restored (the pipeline is built before restore).
      let open: OpenSessionIndex<A> | null = null;
      const index = (): OpenSessionIndex<A> => (open ??= new OpenSessionIndex(store, spec.gapMs));
      return source.subscribe({
        next: (item) => (item.kind === 'tick' ? expire(store, index(), spec, item.streamTime, emit) : place(store, index(), spec, context, item, emit)),
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}

/**
 * Which keys may hold an open session that ends before a time, so a tick reads those
 * rather than every key of the store (a partition holds every user it ever saw; a tick
 * comes every punctuation interval of stream time). Keys are filed under a slice of
 * their session's last event time each time it moves; a filing goes stale when the
 * session moves on or closes, and is dropped when its slice is read. Derived state: it
 * is rebuilt from the store, not changelogged.
 */
class OpenSessionIndex<A> {
  private readonly slices = new Map<number, Set<string>>();
  private readonly sliceMs: number;

  constructor(store: KeyValueStore<SessionSlot<A>>, gapMs: number) {
    // About sixteen slices a gap: few enough to scan at each tick, small enough that a
    // tick rarely rereads keys that are not due.
    this.sliceMs = Math.max(1_000, Math.floor(gapMs / 16));
    for (const [key, slot] of store.entries()) if (slot.open !== null) this.file(key, slot.open.lastMs);
  }

  file(key: string, lastMs: number): void {
    const slice = Math.floor(lastMs / this.sliceMs);
    let keys = this.slices.get(slice);
    if (keys === undefined) this.slices.set(slice, (keys = new Set()));
    keys.add(key);
  }

  /**
   * Calls `due` for every key with an open session whose last event is before `horizon`,
   * each once, in order of last event time, then key (the same on every replay, whatever
   * order the keys were filed or restored in).
   */
  takeDue(store: KeyValueStore<SessionSlot<A>>, horizon: number, due: (key: string, slot: SessionSlot<A>) => void): void {
    const found: Array<[string, SessionSlot<A>]> = [];
    for (const [slice, keys] of this.slices) {
      if (slice * this.sliceMs >= horizon) continue;
      const endsBefore = (slice + 1) * this.sliceMs <= horizon;
      for (const key of keys) {
        const slot = store.get(key);
        const lastMs = slot?.open?.lastMs;
        // Stale: closed, or filed again under a later slice since.
        if (lastMs === undefined || Math.floor(lastMs / this.sliceMs) !== slice) keys.delete(key);
        else if (lastMs < horizon) {
          found.push([key, slot!]);
          keys.delete(key);
        } else if (endsBefore) keys.delete(key);
      }
      if (keys.size === 0) this.slices.delete(slice);
    }
    found.sort(([keyA, a], [keyB, b]) => a.open!.lastMs - b.open!.lastMs || (keyA < keyB ? -1 : keyA > keyB ? 1 : 0));
    for (const [key, slot] of found) due(key, slot);
  }
}

type Emit<A> = (closed: ClosedSession<A>) => void;

function place<E, A>(store: KeyValueStore<SessionSlot<A>>, index: OpenSessionIndex<A>, spec: SessionWindowSpec<E, A>, context: PartitionContext, record: StreamRecord<E>, emit: Emit<A>): void {
  const { key, value: event } = record;
  const ts = spec.timeOf(event);
  const slot = store.get(key) ?? { open: null, lastClosedEndMs: NOTHING_CLOSED };
  if (ts < slot.lastClosedEndMs && slot.open === null) {
    context.deadLetter(record, new LifelongError('LATE_EVENT', { ts, streamTime: context.streamTime() }));
    return;
  }
  const explicitId = spec.sessionIdOf(event);
  const boundary = spec.boundaryOf(event);
  let open = slot.open;
  if (open !== null) {
    const otherSession = explicitId !== null ? explicitId !== open.id : ts - open.lastMs > spec.gapMs;
    const restart = boundary === 'start' && explicitId === null;
    if (otherSession || restart) {
      // Inactivity alone would have closed it (and a tick may have): call that a gap either way.
      const reason: CloseReason = ts - open.lastMs > spec.gapMs ? 'gap' : 'new-session';
      slot.lastClosedEndMs = open.lastMs;
      emit({ key, window: open, reason });
      open = null;
    } else if (ts < slot.lastClosedEndMs) {
      context.deadLetter(record, new LifelongError('LATE_EVENT', { ts, streamTime: context.streamTime() }));
      return;
    }
  }
  if (open === null) {
    open = { id: explicitId ?? `${key}:${ts}`, startMs: ts, lastMs: ts, acc: spec.create(key, event, context) };
  }
  spec.add(open.acc, event);
  open.startMs = Math.min(open.startMs, ts);
  open.lastMs = Math.max(open.lastMs, ts);
  let ended: SessionWindow<A> | null = null;
  if (boundary === 'end') {
    ended = open;
    slot.lastClosedEndMs = open.lastMs;
    open = null;
  }
  slot.open = open;
  store.put(key, slot);
  if (open !== null) index.file(key, open.lastMs);
  if (ended !== null) emit({ key, window: ended, reason: 'end' });
}

function expire<E, A>(store: KeyValueStore<SessionSlot<A>>, index: OpenSessionIndex<A>, spec: SessionWindowSpec<E, A>, streamTime: number, emit: Emit<A>): void {
  const horizon = streamTime - spec.allowedLatenessMs - spec.gapMs;
  // Closed after the index is read: onClose may write other stores.
  index.takeDue(store, horizon, (key, slot) => {
    const window = slot.open!;
    slot.lastClosedEndMs = window.lastMs;
    slot.open = null;
    store.put(key, slot);
    emit({ key, window, reason: 'gap' });
  });
}

function close<E, A>(spec: SessionWindowSpec<E, A>, closed: ClosedSession<A>): ClosedSession<A> {
  spec.onClose?.(closed);
  return closed;
}
