import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { schemasDir } from '../config/paths.js';
import { LifelongError, messageOf } from '../errors/catalog.js';

type AvroResolver = ReturnType<avro.Type['createResolver']>;

/** Confluent framing: magic byte 0, then a 4-byte big-endian schema id, then Avro. */
const MAGIC_BYTE = 0;
const CONFLUENT_HEADER_BYTES = 5;

export type WireFormat = 'auto' | 'raw' | 'confluent';

interface RegistryEntry {
  readonly id: number;
  readonly name: string;
  readonly file: string;
}

/**
 * Writer schemas by id, read from schemas/registry.json: the local stand-in for a
 * Confluent schema registry. Types are parsed once, at start.
 */
export class LocalSchemaRegistry {
  private readonly byId = new Map<number, avro.Type>();
  private readonly latestByName = new Map<string, { id: number; type: avro.Type }>();

  constructor(dir: string = schemasDir()) {
    const manifest = JSON.parse(readFileSync(join(dir, 'registry.json'), 'utf8')) as { schemas: RegistryEntry[] };
    for (const entry of manifest.schemas) {
      const type = avro.Type.forSchema(JSON.parse(readFileSync(join(dir, entry.file), 'utf8')) as avro.Schema);
      this.byId.set(entry.id, type);
      // The first entry of a name is its current version; later ones are history.
      if (!this.latestByName.has(entry.name)) this.latestByName.set(entry.name, { id: entry.id, type });
    }
  }

  writerType(id: number): avro.Type | undefined {
    return this.byId.get(id);
  }

  latest(name: string): { id: number; type: avro.Type } {
    const found = this.latestByName.get(name);
    if (!found) throw new Error(`lifelong: no schema named ${name} in the registry`);
    return found;
  }
}

/**
 * Encodes and decodes one record type. Decoding accepts raw Avro (written with the
 * reader schema) and Confluent-framed Avro written with any registered version of the
 * schema, resolved to the reader schema by Avro's rules.
 */
export class AvroCodec<T> {
  readonly type: avro.Type;
  readonly schemaId: number;
  private readonly resolvers = new Map<number, AvroResolver | null>();

  constructor(
    readonly name: string,
    private readonly registry: LocalSchemaRegistry,
    private readonly wireFormat: WireFormat = 'auto',
  ) {
    const latest = registry.latest(name);
    this.type = latest.type;
    this.schemaId = latest.id;
  }

  /** Raw Avro, or Confluent framing when `framed` is set. */
  encode(record: T, framed = false): Buffer {
    const body = this.type.toBuffer(record);
    if (!framed) return body;
    const header = Buffer.allocUnsafe(CONFLUENT_HEADER_BYTES);
    header.writeUInt8(MAGIC_BYTE, 0);
    header.writeUInt32BE(this.schemaId, 1);
    return Buffer.concat([header, body]);
  }

  /** Throws LIFELONG_ERR_DECODE_FAILED or LIFELONG_ERR_UNKNOWN_SCHEMA_ID with the reason. */
  decode(bytes: Buffer): T {
    if (this.isFramed(bytes)) {
      const id = bytes.readUInt32BE(1);
      if (this.wireFormat === 'auto' && !this.registry.writerType(id)) {
        // A raw record may start with 0 too (an empty first string): if it reads as
        // raw Avro, it was raw; otherwise the unknown schema id is the better reason.
        try {
          return this.read(bytes, undefined);
        } catch {
          throw new LifelongError('UNKNOWN_SCHEMA_ID', { id });
        }
      }
      return this.read(bytes.subarray(CONFLUENT_HEADER_BYTES), this.resolverFor(id));
    }
    return this.read(bytes, undefined);
  }

  private isFramed(bytes: Buffer): boolean {
    if (this.wireFormat === 'raw') return false;
    if (this.wireFormat === 'confluent') return true;
    // A raw UserEvent starts with a string length; 0 would be an empty id, so a leading
    // 0 is first taken as the Confluent magic byte (decode() falls back to raw).
    return bytes.length >= CONFLUENT_HEADER_BYTES && bytes[0] === MAGIC_BYTE;
  }

  private resolverFor(id: number): AvroResolver | undefined {
    if (id === this.schemaId) return undefined;
    let resolver = this.resolvers.get(id);
    if (resolver === undefined) {
      const writer = this.registry.writerType(id);
      if (!writer) throw new LifelongError('UNKNOWN_SCHEMA_ID', { id });
      try {
        resolver = this.type.createResolver(writer);
      } catch (error) {
        resolver = null;
        this.resolvers.set(id, resolver);
        throw new LifelongError('DECODE_FAILED', { what: this.name, detail: `schema ${id} cannot be read as ${this.name}: ${messageOf(error)}` });
      }
      this.resolvers.set(id, resolver);
    }
    if (resolver === null) throw new LifelongError('DECODE_FAILED', { what: this.name, detail: `schema ${id} cannot be read as ${this.name}` });
    return resolver;
  }

  private read(body: Buffer, resolver: AvroResolver | undefined): T {
    try {
      return this.type.fromBuffer(body, resolver) as T;
    } catch (error) {
      throw new LifelongError('DECODE_FAILED', { what: this.name, detail: messageOf(error) }, { cause: error });
    }
  }
}
