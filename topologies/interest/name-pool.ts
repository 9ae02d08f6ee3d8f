/**
 * Category and author names shared by every user state of an instance. Users hold the
 * same few thousand names over and over; without sharing, every state restored from the
 * changelog (and every name taken from an event) would carry its own copy — about 60
 * bytes a name, more than the rest of a user's overhead. Past `capacity` distinct names
 * the pool stops growing and hands names back unshared, so it is bounded too.
 */
export class NamePool {
  private readonly names = new Map<string, string>();

  constructor(readonly capacity = 1_000_000) {}

  intern(name: string): string {
    const shared = this.names.get(name);
    if (shared !== undefined) return shared;
    if (this.names.size < this.capacity) this.names.set(name, name);
    return name;
  }

  get size(): number {
    return this.names.size;
  }
}
