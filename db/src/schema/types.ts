import { customType, timestamp } from 'drizzle-orm/pg-core';

/** Binary column (images, checkpoints, evidence files). postgres.js hands out Buffers, PGlite
 * Uint8Arrays; both are Uint8Array, which is what callers get back. */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array | string }>({
  dataType: () => 'bytea',
  toDriver: (value) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
  fromDriver: (value) =>
    typeof value === 'string'
      ? Uint8Array.from(Buffer.from(value.replace(/^\\x/, ''), 'hex'))
      : value,
});

/** Timestamps of our own tables carry a time zone (better-auth's generated ones do not). */
export const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
export const createdAt = () => tstz('created_at').defaultNow().notNull();
