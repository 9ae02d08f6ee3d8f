import assert from 'node:assert/strict';
import type { UserEvent } from '../../src/serde/records.js';
import { DWELL_CREDIT_PER_MINUTE, ENGAGEMENT_DEPTH, NOT_INTERESTED_PENALTY, SKIP_PENALTY } from '../../topologies/session-metrics/engagement.js';

/**
 * A plain, batch reference for the session-metrics topology: whole per-user histories
 * in memory, split into sessions and measured directly from the list of events. It
 * shares only the engagement weights (configuration, not logic) with the topology.
 */
export type ReferenceRow = Record<string, number | string | null>;

export function referenceSessions(events: readonly UserEvent[], gapMs: number): ReferenceRow[] {
  const byUser = new Map<string, UserEvent[]>();
  for (const event of events) {
    const list = byUser.get(event.userId) ?? [];
    list.push(event);
    byUser.set(event.userId, list);
  }
  const rows: ReferenceRow[] = [];
  for (const [userId, list] of byUser) {
    let familiar: string[] = [];
    let current: { id: string; events: UserEvent[]; familiar: string[] } | null = null;
    const close = (reason: string): void => {
      const session = current!;
      const row = measure(userId, session.id, session.events, session.familiar, reason);
      rows.push(row);
      const engaged = engagedCategories(session.events);
      familiar = [...familiar.filter((c) => !engaged.includes(c)), ...engaged].slice(-32);
      current = null;
    };
    for (const event of list) {
      if (current) {
        const last = current.events[current.events.length - 1]!;
        const idle = event.ts - last.ts > gapMs;
        // An explicit id decides on its own; without one, inactivity splits.
        if (event.sessionId !== null ? event.sessionId !== current.id : idle) close(idle ? 'gap' : 'new-session');
        else if (event.type === 'SESSION_START' && event.sessionId === null) close('new-session');
      }
      current ??= { id: event.sessionId ?? `${userId}:${event.ts}`, events: [], familiar: [...familiar] };
      current.events.push(event);
      if (event.type === 'SESSION_END') close('end');
    }
  }
  return rows;
}

function engagedCategories(events: readonly UserEvent[]): string[] {
  const engaged: string[] = [];
  for (const e of events) {
    if (ENGAGEMENT_DEPTH[e.type] !== undefined && e.itemId !== null && e.category !== null && !engaged.includes(e.category)) engaged.push(e.category);
  }
  return engaged;
}

function measure(userId: string, sessionId: string, events: readonly UserEvent[], familiar: readonly string[], reason: string): ReferenceRow {
  const count = (type: UserEvent['type']): number => events.filter((e) => e.type === type).length;
  const impressions = events.filter((e) => e.type === 'IMPRESSION');
  const categorized = impressions.filter((e) => e.category !== null);
  const categoryCounts = new Map<string, number>();
  for (const e of categorized) categoryCounts.set(e.category!, (categoryCounts.get(e.category!) ?? 0) + 1);

  let entropy = 0;
  for (const c of categoryCounts.values()) entropy -= (c / categorized.length) * Math.log2(c / categorized.length);

  const slates = new Map<string, string[]>();
  for (const e of categorized) if (e.requestId !== null) slates.set(e.requestId, [...(slates.get(e.requestId) ?? []), e.category!]);
  const diversities: number[] = [];
  for (const categories of slates.values()) {
    if (categories.length < 2) continue;
    let differing = 0;
    let pairs = 0;
    for (let i = 0; i < categories.length; i++) {
      for (let j = i + 1; j < categories.length; j++) {
        pairs++;
        if (categories[i] !== categories[j]) differing++;
      }
    }
    diversities.push(differing / pairs);
  }

  // The trail: items in order of first exposure; each keeps its deepest engagement.
  const order: string[] = [];
  const gain = new Map<string, number>();
  for (const e of events) {
    if (e.itemId === null || (e.type !== 'IMPRESSION' && ENGAGEMENT_DEPTH[e.type] === undefined)) continue;
    if (!gain.has(e.itemId)) {
      order.push(e.itemId);
      gain.set(e.itemId, 0);
    }
    gain.set(e.itemId, Math.max(gain.get(e.itemId)!, ENGAGEMENT_DEPTH[e.type] ?? 0));
  }
  const length = order.length;
  const actual = order.reduce((sum, item, position) => sum + gain.get(item)! * Math.max(0, 1 - position / length), 0);
  const sortedGains = order.map((item) => gain.get(item)!).filter((g) => g > 0).sort((a, b) => b - a);
  const ideal = sortedGains.reduce((sum, g, position) => sum + g * Math.max(0, 1 - position / length), 0);

  const clicks = count('CLICK');
  const skips = count('SKIP');
  const dwell = events.reduce((sum, e) => sum + (e.type === 'DWELL' ? (e.dwellMs ?? 0) : 0), 0);
  const depth = (type: UserEvent['type']): number => count(type) * (ENGAGEMENT_DEPTH[type] ?? 0);
  const score = depth('CLICK') + depth('LIKE') + depth('SHARE') + depth('COMMENT') + depth('FOLLOW') + depth('GIFT') + (dwell / 60_000) * DWELL_CREDIT_PER_MINUTE - skips * SKIP_PENALTY - count('NOT_INTERESTED') * NOT_INTERESTED_PENALTY;
  const start = Math.min(...events.map((e) => e.ts));
  const end = Math.max(...events.map((e) => e.ts));
  return {
    session_id: sessionId,
    user_id: userId,
    start_ms: start,
    end_ms: end,
    duration_ms: end - start,
    requests: count('FEED_REQUEST'),
    impressions: impressions.length,
    clicks,
    likes: count('LIKE'),
    shares: count('SHARE'),
    comments: count('COMMENT'),
    follows: count('FOLLOW'),
    gifts: count('GIFT'),
    gift_value: events.reduce((sum, e) => sum + (e.type === 'GIFT' ? (e.value ?? 0) : 0), 0),
    skips,
    not_interested: count('NOT_INTERESTED'),
    mutes: count('MUTE_AUTHOR'),
    dwell_ms: dwell,
    ctr: impressions.length === 0 ? 0 : clicks / impressions.length,
    skip_rate: impressions.length === 0 ? 0 : skips / impressions.length,
    distinct_categories: categoryCounts.size,
    category_entropy: entropy,
    novelty_rate: categorized.length === 0 ? 0 : categorized.filter((e) => !familiar.includes(e.category!)).length / categorized.length,
    intra_list_diversity: diversities.length === 0 ? 0 : diversities.reduce((a, b) => a + b, 0) / diversities.length,
    engagement_score: Math.max(0, score),
    normalized_utility: ideal === 0 ? null : actual / ideal,
    close_reason: reason,
    version: events.length,
  };
}

/** Asserts that a row read from ClickHouse equals a reference row, column by column (floats to 1e-9). */
export function assertRowMatches(got: Record<string, unknown>, want: ReferenceRow): void {
  for (const [column, expected] of Object.entries(want)) {
    const actual = got[column];
    if (expected === null) {
      assert.equal(actual, null, `${want['session_id']}.${column}`);
    } else if (typeof expected === 'number') {
      const value = Number(actual);
      assert.ok(Math.abs(value - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${want['session_id']}.${column}: ${value} ≠ ${expected}`);
    } else {
      assert.equal(actual, expected, `${want['session_id']}.${column}`);
    }
  }
}
