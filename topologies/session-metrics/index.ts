import { map } from 'rxjs';
import { defineStore, defineTopology, jsonCodec, sessionWindows, type SessionSlot, type TopologyDefinition, type UserEvent } from '../../src/index.js';
import { accumulate, newAccumulator, type SessionAccumulator } from './accumulator.js';
import { sessionSlotCodec } from './state-codecs.js';
import { sessionRow, type ArmLabel } from './session-row.js';

export interface SessionMetricsOptions {
  /** Inactivity that ends a session, in event-time milliseconds. */
  readonly sessionGapMs: number;
  /** How late an event may arrive and still count, in milliseconds. */
  readonly allowedLatenessMs: number;
  /** The experiment arm of a user (recommend's stable assignment), so ClickHouse can compare arms; unlabelled when absent. */
  readonly armOf?: (userId: string) => ArmLabel;
}

/** Categories a user engaged with in earlier sessions, newest last; bounds novelty's memory. */
const FAMILIAR_CATEGORIES = 32;

export const SESSION_STORE = 'sessions';
export const FAMILIAR_STORE = 'familiar-categories';
export const SESSION_SINK = 'session_metrics';

/**
 * Sessionizes each user's events on event time and writes one row per closed session
 * to ClickHouse. Open sessions live in the changelogged store, so a restart resumes
 * them; nothing is written before a session closes.
 */
export function sessionMetricsTopology(options: SessionMetricsOptions): TopologyDefinition<UserEvent> {
  return defineTopology<UserEvent>({
    name: 'session-metrics',
    doc: 'Per-user sessions on event time; one ClickHouse row per closed session.',
    stores: [
      defineStore<SessionSlot<SessionAccumulator>>({ name: SESSION_STORE, doc: 'the open session of each user', codec: sessionSlotCodec }),
      defineStore<string[]>({ name: FAMILIAR_STORE, doc: 'categories each user engaged with before', codec: jsonCodec() }),
    ],
    sinks: [{ name: SESSION_SINK, kind: 'clickhouse', table: 'session_metrics' }],
    pipeline(input$, context) {
      const familiar = context.store<string[]>(FAMILIAR_STORE);
      return input$.pipe(
        sessionWindows<UserEvent, SessionAccumulator>(
          {
            storeName: SESSION_STORE,
            gapMs: options.sessionGapMs,
            allowedLatenessMs: options.allowedLatenessMs,
            timeOf: (event) => event.ts,
            sessionIdOf: (event) => event.sessionId,
            boundaryOf: (event) => (event.type === 'SESSION_START' ? 'start' : event.type === 'SESSION_END' ? 'end' : null),
            create: (userId) => newAccumulator(familiar.get(userId) ?? []),
            add: accumulate,
            onClose: (closed) => {
              const engaged = closed.window.acc.engaged;
              if (engaged.length === 0) return;
              const known = (familiar.get(closed.key) ?? []).filter((c) => !engaged.includes(c));
              familiar.put(closed.key, [...known, ...engaged].slice(-FAMILIAR_CATEGORIES));
            },
          },
          context,
        ),
        map((closed) => ({ sink: SESSION_SINK, value: sessionRow(closed, options.armOf?.(closed.key)) })),
      );
    },
  });
}
