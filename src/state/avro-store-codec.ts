import avro from 'avsc';
import { JS_MAP, JsMapType } from './avro-js-map.js';
import type { ValueCodec } from './store.js';

/**
 * First byte of an Avro store value: 0x01 for a store's first schema, one more for each
 * schema after it. A JSON value (written before stores moved to Avro) starts with `{`.
 */
const FIRST_AVRO_VALUE = 0x01;
const JSON_OBJECT = 0x7b;

/**
 * Store values as Avro records: about half the bytes of JSON and faster to write, which
 * matters because every dirty key is encoded again at each commit (the changelog is
 * the biggest thing a batch produces). A value starts with a format byte, so changelogs
 * written as JSON by earlier versions still restore, and so do values written with one
 * of the store's `earlier` schemas (oldest first), each decoded with its own schema into
 * the same plain object shape; the next write uses the current schema.
 *
 * avsc ignores properties the schema does not name, so a field added to a state type
 * must be added to its schema: test/unit/state/store-codecs.test.ts round-trips every store of
 * every topology to catch one that was not.
 */
export function avroStoreCodec<V>(schema: avro.Schema, earlier: readonly avro.Schema[] = []): ValueCodec<V> {
  // Readers by format byte: the earlier schemas, then the current one.
  const readers = [...earlier, schema].map((s) => {
    const type = avro.Type.forSchema(s, { logicalTypes: { [JS_MAP]: JsMapType } });
    return { type, plainData: plainCopier(type) };
  });
  const current = readers[readers.length - 1]!.type;
  const format = FIRST_AVRO_VALUE + earlier.length;
  if (format >= JSON_OBJECT) throw new Error('avroStoreCodec: too many earlier schemas');
  let scratch = Buffer.allocUnsafe(4096);
  return {
    encode: (value) => {
      scratch[0] = format;
      let end = current.encode(value, scratch, 1);
      if (end < 0) {
        // avsc reports the shortfall as a negative end: grow once to what it needs.
        scratch = Buffer.allocUnsafe(2 * (scratch.length - end));
        scratch[0] = format;
        end = current.encode(value, scratch, 1);
      }
      return Buffer.from(scratch.subarray(0, end));
    },
    decode: (bytes) => {
      if (bytes[0] === JSON_OBJECT) return JSON.parse(bytes.toString('utf8')) as V;
      const reader = readers[bytes[0]! - FIRST_AVRO_VALUE];
      if (reader === undefined) throw new Error(`store value: unknown format byte ${bytes[0]}`);
      return reader.plainData(reader.type.fromBuffer(bytes.subarray(1))) as V;
    },
  };
}

type Copy = (value: unknown) => unknown;
const same: Copy = (value) => value;

/**
 * avsc reads records as instances of generated classes; the topologies write plain
 * objects, and a restored state should be the same data (equal to the original, spread
 * and compared alike). The copy of a record is one object literal, compiled once per
 * record type, because V8 then lays its fields out inside the object as it does for
 * JSON.parse: building it field by field costs 30 % more memory per pair state, and a
 * store holds millions of them.
 */
function plainCopier(type: avro.Type): Copy {
  if (type instanceof avro.types.RecordType) {
    const copiers = type.fields.map((field) => plainCopier(field.type));
    const literal = type.fields.map((field, i) => `${JSON.stringify(field.name)}: c[${i}](v[${JSON.stringify(field.name)}])`).join(', ');
    const build = new Function('c', 'v', `return { ${literal} };`) as (copiers: Copy[], value: unknown) => unknown;
    return (value) => build(copiers, value);
  }
  if (type instanceof avro.types.ArrayType) {
    const item = plainCopier(type.itemsType);
    return item === same ? same : (value) => (value as unknown[]).map(item);
  }
  if (type instanceof JsMapType) {
    const entry = plainCopier((type.underlyingType as avro.types.MapType).valuesType);
    if (entry === same) return same;
    return (value) => new Map([...(value as Map<string, unknown>)].map(([key, field]) => [key, entry(field)]));
  }
  if (type instanceof avro.types.MapType) {
    const entry = plainCopier(type.valuesType);
    if (entry === same) return same;
    return (value) => {
      const copy: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(value as Record<string, unknown>)) copy[key] = entry(field);
      return copy;
    };
  }
  if (type instanceof avro.types.UnwrappedUnionType) {
    // Nullable records: at most one branch needs a copy.
    const branches = type.types.map(plainCopier).filter((copy) => copy !== same);
    if (branches.length === 0) return same;
    if (branches.length > 1) throw new Error('avroStoreCodec: a union of several record, array or map types is not supported');
    const branch = branches[0]!;
    return (value) => (value === null ? null : branch(value));
  }
  return same;
}

/** Schema helpers for the state types, whose numbers are mostly decayed (fractional) counts or epoch milliseconds. */
export const avroState = {
  number: 'double',
  numbers: { type: 'array', items: 'double' },
  /** Numbers that are float32 values already (the critic's features): half the bytes, nothing lost. */
  floats: { type: 'array', items: 'float' },
  strings: { type: 'array', items: 'string' },
  numberMap: { type: 'map', values: 'double' },
  /** A map held as a JS Map (see JsMapType): for state looked up by freshly decoded ids. */
  jsMap: (values: avro.schema.DefinedType): avro.schema.DefinedType => ({ type: 'map', values, logicalType: JS_MAP }),
  nullable: (schema: avro.schema.DefinedType): avro.schema.DefinedType[] => ['null', schema],
  record: (name: string, fields: Record<string, avro.schema.DefinedType | avro.schema.DefinedType[]>): avro.schema.RecordType => ({
    type: 'record',
    name,
    fields: Object.entries(fields).map(([fieldName, type]) => ({ name: fieldName, type })),
  }),
} as const satisfies Record<string, avro.schema.DefinedType | ((...args: never[]) => unknown)>;
