import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AvroCodec, LocalSchemaRegistry, userEvent, type Item, type Recommendation, type UserEvent } from '../../src/index.js';
import { TopologyTestDriver } from '../../src/testing/test-driver.js';
import { generateCatalog } from '../../src/sim/catalog-generator.js';
import { generateSessions } from '../../src/sim/session-generator.js';
import { defaultTopologies } from '../../topologies/index.js';
import { ITEMS_TABLE } from '../../topologies/interest/index.js';
import { parseArms, type RecommendTopologyOptions } from '../../topologies/recommend/index.js';
import { loadConfig } from '../../src/config/config.js';
import { lifelongValueFromSettings } from '../../topologies/lifelong-value/index.js';

const HOUR = 3_600_000;
const T = Date.UTC(2026, 0, 1);
const TOPIC = 'recommendations';
const registry = new LocalSchemaRegistry();
const itemCodec = new AvroCodec<Item>('Item', registry);
const recommendationCodec = new AvroCodec<Recommendation>('Recommendation', registry);

type RecommendSettings = Partial<Omit<RecommendTopologyOptions, 'topic'>>;

/** Every topology of the application, recommend included, with the lifelong-value learner never started (author values from pair statistics). */
function app(settings: RecommendSettings = {}, partitions = 2): TopologyTestDriver {
  const topologies = defaultTopologies({
    sessionGapMs: 30 * 60_000,
    allowedLatenessMs: 24 * HOUR,
    interest: { itemsTopic: 'items' },
    lifelongValue: lifelongValueFromSettings(loadConfig().lifelongValue),
    recommend: { topic: TOPIC, arms: parseArms(['lifelong']), authorValue: 'statistics', ...settings },
  });
  return new TopologyTestDriver(topologies, { partitions, now: T + 400 * 24 * HOUR, allowedLatenessMs: 24 * HOUR });
}

function publish(driver: TopologyTestDriver, items: readonly Item[]): void {
  for (const item of items) driver.pipeGlobal(ITEMS_TABLE, Buffer.from(item.itemId), itemCodec.encode(item));
}

function slates(driver: TopologyTestDriver): Recommendation[] {
  return driver.results(TOPIC, (bytes) => recommendationCodec.decode(bytes)).map((r) => r.value);
}

let seq = 0;
const ev = (fields: Partial<UserEvent> & Pick<UserEvent, 'type' | 'ts'>): UserEvent => userEvent({ eventId: `t-${++seq}`, userId: 'u1', ...fields });
const request = (ts: number, userId = 'u1'): UserEvent => ev({ type: 'FEED_REQUEST', ts, userId, requestId: `req-${++seq}` });

/** A generated catalog and a few days of generated sessions (with their feed requests). */
function generatedRun(settings: RecommendSettings = {}): { driver: TopologyTestDriver; recommendations: Recommendation[] } {
  const driver = app(settings);
  publish(driver, generateCatalog({ seed: 3, dim: 32, coverage: 0.9 }));
  driver.pipe(...generateSessions({ users: 30, days: 3, seed: 5 }));
  assert.deepEqual(driver.deadLetters(), []);
  return { driver, recommendations: slates(driver) };
}

describe('recommend topology', () => {
  const { driver, recommendations } = generatedRun();

  test('one slate per feed request, keyed and stamped by it, full size when the catalog allows; its latency observed', async () => {
    const requests = generateSessions({ users: 30, days: 3, seed: 5 }).filter((e) => e.type === 'FEED_REQUEST');
    assert.equal(recommendations.length, requests.length);
    const observed = (await driver.metrics.stageSeconds.get()).values.find((v) => v.metricName === 'lifelong_stage_duration_seconds_count' && v.labels['stage'] === 'slate');
    assert.equal(observed?.value, requests.length);
    assert.deepEqual(new Set(recommendations.map((r) => r.requestId)), new Set(requests.map((r) => r.requestId)));
    for (const slate of recommendations) assert.equal(slate.items.length, 10, slate.requestId);
  });

  test('no item outside the planned categories; never the same item twice to a user within recentlyShown', () => {
    const served = new Map<string, string[]>();
    for (const slate of recommendations) {
      assert.ok(slate.plannedCategories.length >= 1 && slate.plannedCategories.length <= 3);
      const mine = served.get(slate.userId) ?? [];
      const recent = new Set(mine.slice(-200));
      for (const item of slate.items) {
        assert.ok(slate.plannedCategories.includes(item.category), `${item.itemId} (${item.category}) not in ${slate.plannedCategories.join(',')}`);
        assert.ok(!recent.has(item.itemId), `${item.itemId} served again to ${slate.userId} within the last 200`);
      }
      mine.push(...slate.items.map((i) => i.itemId));
      served.set(slate.userId, mine);
    }
    assert.ok([...served.values()].some((items) => items.length > 200), 'some user was served more than the window holds');
  });

  test('author cap per slate holds; every item explained; propensities follow the exploration rule', () => {
    for (const slate of recommendations) {
      const byAuthor = new Map<string, number>();
      for (const item of slate.items) byAuthor.set(item.authorId, (byAuthor.get(item.authorId) ?? 0) + 1);
      assert.ok(Math.max(...byAuthor.values()) <= 3, `slate ${slate.requestId} has an author more than 3 times`);
      assert.equal(slate.policy, 'lifelong');
      assert.equal(slate.arm, 'lifelong');
      for (const item of slate.items) {
        for (const component of [item.interest, item.lifelongValue, item.novelty, item.diversity, item.freshness]) assert.ok(component >= 0 && component <= 1, JSON.stringify(item));
        const expected = (item.exploited ? 1 - slate.exploration : 0) + slate.exploration / item.candidates;
        assert.ok(Math.abs(item.propensity - expected) < 1e-12, `propensity ${item.propensity} vs ${expected}`);
      }
    }
    assert.ok(recommendations.some((s) => s.items.some((i) => !i.exploited)), 'exploration happens');
  });

  test('deterministic: the same input and seed give the same slates; another seed explores differently', () => {
    const strip = (rs: Recommendation[]): unknown[] => rs.map((r) => ({ ...r, latencyMicros: 0 }));
    assert.deepEqual(strip(generatedRun().recommendations), strip(recommendations));
    assert.notDeepEqual(strip(generatedRun({ seed: 99 }).recommendations), strip(recommendations));
  });

  test('a recommendation round-trips through Avro unchanged', () => {
    for (const slate of recommendations.slice(0, 20)) assert.deepEqual(recommendationCodec.decode(recommendationCodec.encode(slate)), slate);
  });
});

/** Categories a, b, c, … (each along its own axis) with two authors each; the user has engaged with `a`, and a little with `b`. */
function smallWorld(settings: RecommendSettings = {}, categories = 3, perCategory = 40): TopologyTestDriver {
  const driver = app(settings, 1);
  const items: Item[] = [];
  for (let c = 0; c < categories; c++) {
    const category = String.fromCharCode(97 + c);
    for (let k = 0; k < perCategory; k++) {
      const embedding = Array.from({ length: 32 }, (_, i) => (i === c ? 1 : i >= 24 ? ((k * 7 + i * 13) % 11) / 40 : 0));
      items.push({ itemId: `${category}-${k}`, authorId: `${category}-author-${k % 2}`, category, tags: [], embedding, createdAt: T - k * HOUR, deleted: false });
    }
  }
  publish(driver, items);
  for (let k = 0; k < 12; k++) driver.pipe(ev({ type: 'CLICK', ts: T + k * 60_000, itemId: `a-${k + 20}`, authorId: `a-author-${k % 2}`, category: 'a' }));
  for (let k = 0; k < 3; k++) driver.pipe(ev({ type: 'CLICK', ts: T + (12 + k) * 60_000, itemId: `b-${k + 20}`, authorId: `b-author-${k % 2}`, category: 'b' }));
  return driver;
}

describe('policies and user control', () => {
  test('greedy ranks by interest alone over the interest region; lifelong plans categories beyond it', () => {
    const greedy = smallWorld({ arms: parseArms(['greedy']), maxAuthorSlateShare: 1 });
    greedy.pipe(request(T + HOUR));
    const [g] = slates(greedy);
    assert.equal(g!.policy, 'greedy');
    assert.deepEqual(g!.plannedCategories, []);
    for (const item of g!.items) assert.equal(item.score, item.interest);
    assert.ok(g!.items.filter((i) => i.category === 'a').length >= 8, 'greedy stays in the user’s strongest category');

    const lifelong = smallWorld({ arms: parseArms(['lifelong']) });
    lifelong.pipe(request(T + HOUR));
    const [l] = slates(lifelong);
    assert.ok(l!.plannedCategories.includes('a') && l!.plannedCategories.includes('b'), 'lifelong plans both familiar categories');
    assert.ok(l!.items.filter((i) => i.category === 'b').length >= 3, 'and serves the weaker one too');
  });

  test('arms split users by a stable hash; both arms label their slates', () => {
    const driver = smallWorld({ arms: parseArms(['control=greedy:1', 'treatment=lifelong:1']) });
    for (let u = 0; u < 40; u++) driver.pipe(request(T + HOUR, `user-${u}`));
    const arms = slates(driver).map((s) => `${s.arm}/${s.policy}`);
    assert.deepEqual(new Set(arms), new Set(['control/greedy', 'treatment/lifelong']));
    const again = smallWorld({ arms: parseArms(['control=greedy:1', 'treatment=lifelong:1']) });
    for (let u = 0; u < 40; u++) again.pipe(request(T + HOUR, `user-${u}`));
    assert.deepEqual(slates(again).map((s) => s.arm), slates(driver).map((s) => s.arm));
  });

  test('NOT_INTERESTED removes the item and its category from the very next slate, for one half-life; a mute never fades', () => {
    const driver = smallWorld({ arms: parseArms(['greedy']), notInterestedHalfLifeHours: 24, recentlyShown: 0 });
    driver.pipe(request(T + HOUR));
    const first = slates(driver)[0]!;
    const refused = first.items.find((i) => i.category === 'a')!;
    driver.pipe(ev({ type: 'NOT_INTERESTED', ts: T + HOUR + 1_000, itemId: refused.itemId, authorId: refused.authorId }));
    driver.pipe(ev({ type: 'MUTE_AUTHOR', ts: T + HOUR + 2_000, authorId: 'b-author-0' }));
    driver.pipe(request(T + HOUR + 3_000));
    const next = slates(driver)[1]!;
    assert.ok(next.items.length > 0);
    assert.ok(next.items.every((i) => i.category !== 'a' && i.itemId !== refused.itemId), 'category a is out of the next slate');
    assert.ok(next.items.every((i) => i.authorId !== 'b-author-0'), 'the muted author is out');

    driver.pipe(request(T + HOUR + 30 * HOUR));
    const later = slates(driver)[2]!;
    assert.ok(later.items.some((i) => i.category === 'a'), 'after a half-life the category is back');
    assert.ok(later.items.every((i) => i.itemId !== refused.itemId), 'the refused item itself stays out');
    assert.ok(later.items.every((i) => i.authorId !== 'b-author-0'), 'the mute does not fade');
  });

  test('a user who has seen all of the planned categories still gets full slates, from the planner’s reserve', () => {
    const driver = smallWorld({ arms: parseArms(['lifelong']), plannedCategories: 1 }, 6);
    for (let r = 0; r < 12; r++) driver.pipe(request(T + HOUR + r * 60_000));
    for (const slate of slates(driver)) {
      assert.equal(slate.items.length, 10, `slate ${slate.requestId} planned ${slate.plannedCategories.join(',')}`);
      for (const item of slate.items) assert.ok(slate.plannedCategories.includes(item.category));
    }
    assert.ok(slates(driver).some((s) => s.plannedCategories.length > 1), 'the reserve joined the plan');
  });

  test('the session author cap holds across slates', () => {
    const driver = smallWorld({ arms: parseArms(['greedy']), maxAuthorSessionShare: 0.2, maxAuthorSlateShare: 1 });
    for (let r = 0; r < 4; r++) driver.pipe(request(T + HOUR + r * 60_000));
    const counts = new Map<string, number>();
    let served = 0;
    for (const slate of slates(driver)) {
      for (const item of slate.items) counts.set(item.authorId, (counts.get(item.authorId) ?? 0) + 1);
      served += slate.items.length;
      for (const [author, n] of counts) assert.ok(n <= Math.max(1, Math.floor(0.2 * served)), `${author}: ${n} of ${served}`);
    }
  });

  test('users who take to unfamiliar categories are offered them more often than users who ignore them', () => {
    const exploringShare = (takesNovelty: boolean): number => {
      const driver = smallWorld({ exploration: 0, plannedCategories: 2 }, 20, 300);
      let explored = 0;
      for (let r = 0; r < 40; r++) {
        const ts = T + HOUR + r * 10 * 60_000;
        driver.pipe(request(ts));
        const slate = slates(driver)[r]!;
        const unfamiliar = slate.items.filter((i) => i.novelty > 0.5);
        if (unfamiliar.length > 0) explored++;
        const clicked = takesNovelty ? unfamiliar : slate.items.filter((i) => i.novelty <= 0.5);
        for (const item of clicked.slice(0, 2)) driver.pipe(ev({ type: 'CLICK', ts: ts + 1_000, itemId: item.itemId, authorId: item.authorId, category: item.category, requestId: slate.requestId }));
      }
      return explored / 40;
    };
    const seeker = exploringShare(true);
    const homebody = exploringShare(false);
    assert.ok(seeker >= 2 * homebody && seeker - homebody >= 0.15, `novelty seeker ${seeker} vs homebody ${homebody}`);
  });
});
