import type { ClosedSession } from '../../src/operators/session-windows.js';
import type { SessionAccumulator } from './accumulator.js';
import { DWELL_CREDIT_PER_MINUTE, ENGAGEMENT_DEPTH, NOT_INTERESTED_PENALTY, SKIP_PENALTY } from './engagement.js';
import { entropyBits, normalizedUtility, slateDiversity } from './metrics.js';

/** One row of the session_metrics table (schemas/clickhouse/001_session_metrics.sql). */
export interface SessionRow extends Record<string, unknown> {
  session_id: string;
  user_id: string;
  start_time: number;
  end_time: number;
  start_ms: number;
  end_ms: number;
  duration_ms: number;
  requests: number;
  impressions: number;
  clicks: number;
  likes: number;
  shares: number;
  comments: number;
  follows: number;
  gifts: number;
  gift_value: number;
  skips: number;
  not_interested: number;
  mutes: number;
  dwell_ms: number;
  ctr: number;
  skip_rate: number;
  distinct_categories: number;
  category_entropy: number;
  novelty_rate: number;
  intra_list_diversity: number;
  engagement_score: number;
  normalized_utility: number | null;
  close_reason: string;
  policy: string;
  arm: string;
  version: number;
}

/** The experiment arm a user is in and its policy, for labelling sessions. */
export interface ArmLabel {
  readonly name: string;
  readonly policy: string;
}

export function sessionRow(closed: ClosedSession<SessionAccumulator>, arm?: ArmLabel): SessionRow {
  const { window, key, reason } = closed;
  const acc = window.acc;
  const slateScores = [...acc.slates.values()]
    .map((slate) => slateDiversity([...slate.values()]))
    .filter((d): d is number => d !== undefined);
  return {
    session_id: window.id,
    user_id: key,
    start_time: Math.floor(window.startMs / 1000),
    end_time: Math.floor(window.lastMs / 1000),
    start_ms: window.startMs,
    end_ms: window.lastMs,
    duration_ms: window.lastMs - window.startMs,
    requests: acc.requests,
    impressions: acc.impressions,
    clicks: acc.clicks,
    likes: acc.likes,
    shares: acc.shares,
    comments: acc.comments,
    follows: acc.follows,
    gifts: acc.gifts,
    gift_value: acc.giftValue,
    skips: acc.skips,
    not_interested: acc.notInterested,
    mutes: acc.mutes,
    dwell_ms: acc.dwellMs,
    ctr: ratio(acc.clicks, acc.impressions),
    skip_rate: ratio(acc.skips, acc.impressions),
    distinct_categories: acc.categories.size,
    category_entropy: entropyBits([...acc.categories.values()]),
    novelty_rate: ratio(acc.novelImpressions, acc.categorizedImpressions),
    intra_list_diversity: slateScores.length === 0 ? 0 : slateScores.reduce((a, b) => a + b, 0) / slateScores.length,
    engagement_score: engagementScore(acc),
    normalized_utility: normalizedUtility([...acc.trail.values()], acc.trailLength),
    close_reason: reason,
    policy: arm?.policy ?? '',
    arm: arm?.name ?? '',
    // Rows are rebuilt identically on replay, so any deterministic version will do; the
    // event count keeps the most complete row should a session ever be written twice.
    version: acc.events,
  };
}

function engagementScore(acc: SessionAccumulator): number {
  const depth = (type: keyof typeof ENGAGEMENT_DEPTH): number => ENGAGEMENT_DEPTH[type] ?? 0;
  const raw =
    acc.clicks * depth('CLICK') +
    acc.likes * depth('LIKE') +
    acc.shares * depth('SHARE') +
    acc.comments * depth('COMMENT') +
    acc.follows * depth('FOLLOW') +
    acc.gifts * depth('GIFT') +
    (acc.dwellMs / 60_000) * DWELL_CREDIT_PER_MINUTE -
    acc.skips * SKIP_PENALTY -
    acc.notInterested * NOT_INTERESTED_PENALTY;
  return Math.max(0, raw);
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}
