import { AvroCodec, LocalSchemaRegistry } from '../serde/avro.js';
import type { Item, Recommendation, UserEvent } from '../serde/records.js';
import type { TopicFollower, Transport } from '../transports/contract.js';
import type { SlateChannel } from './closed-loop.js';

export interface TopicChannelOptions {
  readonly transport: Transport;
  readonly topics: { readonly events: string; readonly items: string; readonly recommendations: string };
  /** Partitions of the topics the channel creates when missing. */
  readonly partitions: number;
  /** Longest wait for a step's slates, in wall-clock milliseconds. */
  readonly slateTimeoutMs: number;
  /** Records per produce call. */
  readonly produceChunk?: number;
}

interface Waiter {
  readonly pending: Set<string>;
  readonly slates: Map<string, Recommendation>;
  done(): void;
}

/**
 * The closed loop's only way to the recommender: Avro Items to the compacted items
 * topic, UserEvents (keyed by userId) to the events topic, and Recommendation records
 * read back from the recommendations topic and matched on requestId. It works the same
 * on the in-memory log and on Kafka.
 */
export class TopicSlateChannel implements SlateChannel {
  private readonly registry = new LocalSchemaRegistry();
  private readonly itemCodec = new AvroCodec<Item>('Item', this.registry);
  private readonly eventCodec = new AvroCodec<UserEvent>('UserEvent', this.registry);
  private readonly recommendationCodec = new AvroCodec<Recommendation>('Recommendation', this.registry);
  private readonly waiting = new Map<string, Waiter>();
  private follower: TopicFollower | undefined;
  private readonly chunk: number;
  /** Slates that came back for no request of ours (an earlier run's, on a reused topic). */
  unmatched = 0;

  constructor(private readonly options: TopicChannelOptions) {
    this.chunk = options.produceChunk ?? 5_000;
  }

  /** Creates the topics and starts following the recommendations; call before the recommender starts. */
  async open(): Promise<void> {
    const { topics, partitions } = this.options;
    await this.options.transport.ensureTopics([
      { name: topics.items, partitions, compacted: true },
      { name: topics.events, partitions },
      { name: topics.recommendations, partitions },
    ]);
    this.follower = this.options.transport.follow({ topic: topics.recommendations, onRecord: (record) => record.value && this.deliver(this.recommendationCodec.decode(record.value)) });
    await this.follower.caughtUp;
  }

  async close(): Promise<void> {
    await this.follower?.stop();
  }

  async publishItems(items: readonly Item[]): Promise<void> {
    await this.produce(items.map((item) => ({ topic: this.options.topics.items, key: Buffer.from(item.itemId), value: this.itemCodec.encode(item) })));
  }

  async sendEvents(events: readonly UserEvent[]): Promise<void> {
    await this.produce(events.map((event) => ({ topic: this.options.topics.events, key: Buffer.from(event.userId), value: this.eventCodec.encode(event) })));
  }

  async requestSlates(requests: readonly UserEvent[]): Promise<ReadonlyMap<string, Recommendation>> {
    const expected = this.expect(requests.map((r) => r.requestId!));
    try {
      await this.sendEvents(requests);
    } catch (error) {
      expected.cancel();
      throw error;
    }
    return expected.wait(this.options.slateTimeoutMs);
  }

  /**
   * Registers the requestIds whose slates are wanted, before their requests are sent;
   * `wait` then resolves with them all, or fails after `timeoutMs` naming how many are missing.
   */
  expect(requestIds: readonly string[]): { wait(timeoutMs: number): Promise<ReadonlyMap<string, Recommendation>>; cancel(): void } {
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const waiter: Waiter = { pending: new Set(requestIds), slates: new Map(), done };
    for (const id of waiter.pending) this.waiting.set(id, waiter);
    if (waiter.pending.size === 0) done();
    const cancel = (): void => {
      for (const id of waiter.pending) this.waiting.delete(id);
    };
    const wait = async (timeoutMs: number): Promise<ReadonlyMap<string, Recommendation>> => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`lifelong: ${waiter.pending.size} of ${requestIds.length} slates did not arrive on ${this.options.topics.recommendations} within ${timeoutMs} ms (is the recommend topology running?)`)), timeoutMs);
      });
      try {
        await Promise.race([finished, timedOut]);
        return waiter.slates;
      } finally {
        clearTimeout(timer);
        cancel();
      }
    };
    return { wait, cancel };
  }

  private deliver(recommendation: Recommendation): void {
    const waiter = this.waiting.get(recommendation.requestId);
    if (!waiter) {
      this.unmatched++;
      return;
    }
    this.waiting.delete(recommendation.requestId);
    waiter.pending.delete(recommendation.requestId);
    waiter.slates.set(recommendation.requestId, recommendation);
    if (waiter.pending.size === 0) waiter.done();
  }

  private async produce(records: readonly { topic: string; key: Buffer; value: Buffer }[]): Promise<void> {
    for (let i = 0; i < records.length; i += this.chunk) await this.options.transport.produce(records.slice(i, i + this.chunk));
  }
}
