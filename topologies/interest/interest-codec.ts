import { binaryCodec, LifelongError, type ValueCodec } from '../../src/index.js';
import type { InterestModel } from './interest-model.js';
import { UserInterest } from './user-interest.js';

const FORMAT_VERSION = 1;

/**
 * The changelog encoding of a user's state: a header naming the shape and the hash seed
 * (a state written under other options cannot be read as this one — the buckets would
 * mean different regions), the times and counters, the floats byte for byte, then the
 * category and author names. About 3.5 KB at the defaults; JSON would be 4× that.
 */
export function interestCodec(model: InterestModel): ValueCodec<UserInterest> {
  const { layout, options } = model;
  const shape = [layout.dim, layout.signatures, layout.bits, layout.topCategories, layout.topAuthors, options.hashSeed] as const;
  return binaryCodec<UserInterest>({
    write: (state, out) => {
      out.u8(FORMAT_VERSION).u16(layout.dim).u16(layout.signatures).u8(layout.bits).u16(layout.topCategories).u16(layout.topAuthors).u32(options.hashSeed);
      out.f64(state.longLandmark).f64(state.shortLandmark).f64(state.updatedAt).u32(state.events).u32(state.fallbackEvents);
      out.f32Array(state.values);
      for (const key of state.keys) out.string(key);
    },
    read: (input) => {
      const version = input.u8();
      const found = [input.u16(), input.u16(), input.u8(), input.u16(), input.u16(), input.u32()];
      if (version !== FORMAT_VERSION || found.some((v, i) => v !== shape[i])) {
        throw new LifelongError('STATE_INCOMPATIBLE', {
          store: 'interest',
          detail: `written as version ${version} with (d, signatures, bits, topCategories, topAuthors, hashSeed) = (${found.join(', ')}), configured (${shape.join(', ')}); use a new application id or reset the changelog`,
        });
      }
      const longLandmark = input.f64();
      const shortLandmark = input.f64();
      const updatedAt = input.f64();
      const events = input.u32();
      const fallbackEvents = input.u32();
      const values = input.f32Array(new Float32Array(layout.floats));
      const keys = Array.from({ length: layout.topCategories + layout.topAuthors }, () => {
        const name = input.string();
        return name === null ? null : model.names.intern(name);
      });
      return new UserInterest(values, keys, longLandmark, shortLandmark, updatedAt, events, fallbackEvents);
    },
  });
}
