import { userEvent, type Item, type UserEvent } from '../serde/records.js';
import type { Interaction } from './interaction-log.js';
import type { RequestPoint } from './replay-plan.js';

export interface StrengthScale {
  /** At or above: a click and a like. */
  readonly positiveAt: number;
  /** At or below: a skip (no click). Between the two: a click. */
  readonly negativeAt: number;
}

/** The author of an item without one: the item itself, so no relationship is invented between unrelated items. */
export const authorOf = (interaction: Pick<Interaction, 'item' | 'author'>): string => interaction.author ?? `item:${interaction.item}`;

/**
 * The UserEvents of one logged interaction: the item was seen (an impression) and then
 * engaged with as strongly as the log says — a click and a like at or above
 * `positiveAt`, a click in between, a skip at or below `negativeAt` (an interaction
 * without strength is a click).
 */
export function interactionEvents(interaction: Interaction, index: number, category: string | null, scale: StrengthScale): UserEvent[] {
  const base = { userId: interaction.user, itemId: interaction.item, authorId: authorOf(interaction), category, ts: interaction.ts };
  const id = `replay-${index}`;
  const events = [userEvent({ ...base, eventId: `${id}-i`, type: 'IMPRESSION' })];
  const s = interaction.strength;
  if (s !== null && s <= scale.negativeAt) {
    events.push(userEvent({ ...base, eventId: `${id}-s`, type: 'SKIP' }));
    return events;
  }
  events.push(userEvent({ ...base, eventId: `${id}-c`, type: 'CLICK' }));
  if (s !== null && s >= scale.positiveAt) events.push(userEvent({ ...base, eventId: `${id}-l`, type: 'LIKE' }));
  return events;
}

export function requestEvent(point: RequestPoint): UserEvent {
  return userEvent({ eventId: point.requestId, userId: point.user, type: 'FEED_REQUEST', requestId: point.requestId, ts: point.ts });
}

/**
 * The catalog a log implies: every item with its author, its first category (all of
 * them as tags), created at its first appearance in the log. No embeddings: the
 * interest topology derives them from category and tags.
 */
export function catalogFromLog(interactions: readonly Interaction[], categoriesOf: (item: string) => readonly string[]): Item[] {
  const items = new Map<string, Item>();
  for (const interaction of interactions) {
    const known = items.get(interaction.item);
    if (known) {
      if (interaction.ts < known.createdAt) items.set(interaction.item, { ...known, createdAt: interaction.ts });
      continue;
    }
    const categories = categoriesOf(interaction.item);
    const category = categories[0] ?? interaction.category ?? 'unknown';
    items.set(interaction.item, { itemId: interaction.item, authorId: authorOf(interaction), category, tags: categories.length > 0 ? [...categories] : [category], embedding: null, createdAt: interaction.ts, deleted: false });
  }
  return [...items.values()];
}
