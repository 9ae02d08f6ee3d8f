import { userEvent, type Item, type Recommendation, type UserEvent } from '../serde/records.js';
import { DayTally, type DayMetrics } from './day-metrics.js';
import type { SimWorld } from './sim-world.js';
import type { StepOutcome } from './sim-user.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Event time between two feed requests of a session (a user's responses fit well inside it). */
export const STEP_MS = 60_000;
/** Sessions start at 09:00 of their day. */
const SESSION_START_OFFSET_MS = 9 * HOUR_MS;

/**
 * How the closed loop reaches the recommender. The real one goes through topics only
 * (items and events in, Recommendation records out); tests can answer directly.
 */
export interface SlateChannel {
  publishItems(items: readonly Item[]): Promise<void>;
  sendEvents(events: readonly UserEvent[]): Promise<void>;
  /** Sends the FEED_REQUEST events and resolves with the slate of each, by requestId. */
  requestSlates(requests: readonly UserEvent[]): Promise<ReadonlyMap<string, Recommendation>>;
}

/** One served slate and what the user did with it (the off-policy log). */
export interface LoggedSlate {
  readonly day: number;
  readonly recommendation: Recommendation;
  readonly outcome: StepOutcome;
}

export interface ClosedLoopOptions {
  readonly days: number;
  /** Distinguishes this run's session and request ids (e.g. the policy), so runs never collide in ClickHouse. */
  readonly runTag: string;
  /** The world's back catalog is already on the items topic (published before the recommender started). */
  readonly backCatalogPublished?: boolean;
  readonly onDay?: (metrics: DayMetrics) => void;
  /** Called after each step with the user-days finished so far (of users × days). */
  readonly onProgress?: (userDaysDone: number) => void;
  readonly onSlate?: (slate: LoggedSlate) => void;
}

/**
 * Runs the world against a recommender for `days` days. Each day the visiting users
 * start a session together and advance in lock step: every step, all users still in a
 * session ask for a slate at the same event time (the requests are in flight
 * together), then respond; event time moves one STEP_MS per step, so every partition
 * sees time go forward. A user leaves when temper or time runs out.
 */
export async function runClosedLoop(world: SimWorld, channel: SlateChannel, options: ClosedLoopOptions): Promise<DayMetrics[]> {
  const population = world.users.length;
  const categories = world.params.categories;
  const days: DayMetrics[] = [];
  let previousActive: ReadonlySet<string> | undefined;
  if (!options.backCatalogPublished) await channel.publishItems(world.backCatalog());
  for (let day = 0; day < options.days; day++) {
    const { published, visitors } = world.beginDay(day);
    await channel.publishItems(published);
    const tally = new DayTally(day);
    const dayStart = world.options.startMs + day * DAY_MS + SESSION_START_OFFSET_MS;
    const sessionOf = (userId: string): string => `${options.runTag}-${userId}-d${day}`;
    const starts = visitors.map((user) => {
      user.startSession(sessionOf(user.userId));
      tally.sessionStarted(user.userId);
      return userEvent({ eventId: `${sessionOf(user.userId)}-start`, userId: user.userId, sessionId: sessionOf(user.userId), type: 'SESSION_START', ts: dayStart });
    });
    await channel.sendEvents(starts);
    let inSession = visitors;
    let doneToday = population - visitors.length;
    options.onProgress?.(day * population + doneToday);
    for (let step = 0; inSession.length > 0; step++) {
      const ts = dayStart + 1_000 + step * STEP_MS;
      const requests = inSession.map((user) => {
        const sessionId = sessionOf(user.userId);
        return userEvent({ eventId: `${sessionId}-q${step}`, userId: user.userId, sessionId, type: 'FEED_REQUEST', requestId: `${sessionId}-q${step}`, ts });
      });
      const slates = await channel.requestSlates(requests);
      const events: UserEvent[] = [];
      const staying = [];
      for (const [i, user] of inSession.entries()) {
        const recommendation = slates.get(requests[i]!.requestId!);
        if (!recommendation) throw new Error(`lifelong: no slate for request ${requests[i]!.requestId}`);
        const result = user.respond(recommendation.items, (id) => world.creators.truth(id), recommendation.requestId, ts);
        recommendation.items.forEach((item, slot) => world.creators.record(item.itemId, result.outcome.clicked[slot] ?? false));
        tally.step(user.userId, recommendation.items.map((item) => item.category), result.outcome);
        options.onSlate?.({ day, recommendation, outcome: result.outcome });
        events.push(...result.events);
        if (!result.leaves) {
          staying.push(user);
          continue;
        }
        const sessionId = sessionOf(user.userId);
        events.push(userEvent({ eventId: `${sessionId}-end`, userId: user.userId, sessionId, type: 'SESSION_END', ts: ts + STEP_MS - 1_000 }));
        tally.sessionEnded(user.endSession().satisfaction);
        doneToday++;
      }
      await channel.sendEvents(events);
      inSession = staying;
      options.onProgress?.(day * population + doneToday);
    }
    const metrics = tally.finish({ population, categories, previousActive, creatorsActive: world.creators.activeCreators, itemsPublished: published.length });
    await channel.publishItems(world.endDay(day));
    previousActive = tally.activeUsers();
    days.push(metrics);
    options.onDay?.(metrics);
  }
  return days;
}
