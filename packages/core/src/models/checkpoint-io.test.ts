import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDb, type Db, type DbHandle } from '@musar/db';
import { modelVersions } from '@musar/db/schema';
import { buildPgliteTemplate, createTestDb } from '@musar/db/testing';
import { CHECKPOINT_CHUNK_BYTES, readCheckpoint, writeCheckpoint } from './checkpoint-io';

const MiB = CHECKPOINT_CHUNK_BYTES;
let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(() => handle?.close());

const newVersion = async (db: Db, v: Partial<typeof modelVersions.$inferInsert> = {}) =>
  (
    await db
      .insert(modelVersions)
      .values({ kind: 'base', name: 'ckpt', ...v })
      .returning({ id: modelVersions.id })
  )[0]!.id;

const stored = async (db: Db, id: string) =>
  (
    await db
      .select({ sizeBytes: modelVersions.sizeBytes })
      .from(modelVersions)
      .where(eq(modelVersions.id, id))
  )[0]!;

const random = (n: number) => new Uint8Array(randomBytes(n));

/** Byte equality without a 10-million-element diff on failure. */
const same = (a: Uint8Array | null, b: Uint8Array) =>
  a !== null && a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;

describe('checkpoints in pieces', () => {
  it('round-trips a 10 MB checkpoint byte for byte, with its size', async () => {
    const db = handle.db;
    const id = await newVersion(db);
    const bytes = random(10 * MiB);
    await db.transaction((tx) => writeCheckpoint(tx, id, bytes));
    expect(same(await readCheckpoint(db, id), bytes)).toBe(true);
    expect((await stored(db, id)).sizeBytes).toBe(bytes.byteLength);
    // the same through the column itself: what was written is one ordinary bytea
    const [row] = await db
      .select({ checkpoint: modelVersions.checkpoint })
      .from(modelVersions)
      .where(eq(modelVersions.id, id));
    expect(same(row!.checkpoint, bytes)).toBe(true);
  });

  it('round-trips sizes at and around the piece boundary, and an empty checkpoint', async () => {
    const db = handle.db;
    for (const n of [0, 1, MiB - 1, MiB, MiB + 1, 2 * MiB + 1]) {
      const id = await newVersion(db);
      const bytes = random(n);
      await db.transaction((tx) => writeCheckpoint(tx, id, bytes));
      const back = await readCheckpoint(db, id);
      expect(back?.byteLength, `size ${n}`).toBe(n);
      expect(same(back, bytes), `size ${n}`).toBe(true);
      expect((await stored(db, id)).sizeBytes).toBe(n);
    }
  });

  it('keeps no checkpoint as null; a missing version reads as null and cannot be written', async () => {
    const db = handle.db;
    const id = await newVersion(db, { kind: 'adapter' });
    expect(await readCheckpoint(db, id)).toBeNull();
    await db.transaction((tx) => writeCheckpoint(tx, id, random(3)));
    await db.transaction((tx) => writeCheckpoint(tx, id, null));
    expect(await readCheckpoint(db, id)).toBeNull();
    expect((await stored(db, id)).sizeBytes).toBeNull();
    const missing = '00000000-0000-4000-8000-0000000000cc';
    expect(await readCheckpoint(db, missing)).toBeNull();
    await expect(db.transaction((tx) => writeCheckpoint(tx, missing, random(3)))).rejects.toThrow(
      /does not exist/,
    );
  });

  it('writes all pieces or none: a failing transaction leaves the checkpoint as it was', async () => {
    const db = handle.db;
    const id = await newVersion(db);
    await expect(
      db.transaction(async (tx) => {
        await writeCheckpoint(tx, id, random(40), { chunkBytes: 16 });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await readCheckpoint(db, id)).toBeNull();
    expect((await stored(db, id)).sizeBytes).toBeNull();
  });

  it('starts a read over when the checkpoint changes between its pieces', async () => {
    const db = handle.db;
    const id = await newVersion(db);
    const before = random(40);
    const after = random(40);
    await db.transaction((tx) => writeCheckpoint(tx, id, before, { chunkBytes: 16 }));
    // the third select (the second piece) waits for a rewrite of the whole checkpoint
    let selects = 0;
    const rewrite = () => db.transaction((tx) => writeCheckpoint(tx, id, after));
    const racing = new Proxy(db, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key, target);
        if (key !== 'select') return typeof value === 'function' ? value.bind(target) : value;
        return (...args: Parameters<Db['select']>) =>
          deferred(target.select(...args), ++selects === 3 ? rewrite : null);
      },
    });
    expect(same(await readCheckpoint(racing, id, { chunkBytes: 16 }), after)).toBe(true);
    expect(selects).toBeGreaterThan(5); // length, 3 pieces, md5 (changed) — then all again
  });
});

/** A query builder whose execution first awaits `before` (every method returns one too). */
function deferred<T extends object>(query: T, before: (() => Promise<unknown>) | null): T {
  return new Proxy(query, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      if (key === 'then')
        return (ok: (v: unknown) => unknown, fail: (e: unknown) => unknown) =>
          Promise.resolve(before?.())
            .then(() => (value as (...a: unknown[]) => Promise<unknown>).call(target, ok, fail))
            .catch(fail);
      return (...args: unknown[]) => {
        const out: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        return out && typeof out === 'object' ? deferred(out, before) : out;
      };
    },
  });
}

describe('bounded statements on the embedded database', () => {
  let pg: PGlite;
  let db: Db;
  /** Every protocol message sent to PGlite: its size, the size of the rows it returned, and how
   * often the event loop had turned by then. */
  const messages: { bytesIn: number; bytesOut: number; ticks: number }[] = [];
  let ticks = 0;
  beforeAll(async () => {
    const template = inject('musarPgliteTemplate');
    pg = await PGlite.create({
      loadDataDir: template ? new Blob([readFileSync(template)]) : await buildPgliteTemplate(),
    });
    db = (await createDb({ pglite: pg })).db;
    const send = pg.execProtocolStream.bind(pg);
    pg.execProtocolStream = async (message, options) => {
      const replies = await send(message, options);
      const bytesOut = replies
        .filter((r) => r.name === 'dataRow')
        .reduce((sum, r) => sum + r.length, 0);
      messages.push({ bytesIn: message.byteLength, bytesOut, ticks });
      return replies;
    };
  });
  afterAll(() => pg?.close());

  it('never moves more than one piece per statement, and lets the event loop run between pieces', async () => {
    const id = await newVersion(db);
    const bytes = random(5 * MiB + 123);
    let spinning = true;
    const spin = () => {
      ticks++;
      if (spinning) setImmediate(spin);
    };
    spin();
    messages.length = 0;
    await db.transaction((tx) => writeCheckpoint(tx, id, bytes));
    const writes = messages.filter((m) => m.bytesIn > 4096);
    const writeMessages = messages.length;
    messages.length = 0;
    const back = await readCheckpoint(db, id);
    const reads = messages.filter((m) => m.bytesOut > 4096);
    const all = [...messages, ...writes];
    spinning = false;
    expect(same(back, bytes)).toBe(true);
    expect(writeMessages).toBeGreaterThan(0);
    expect(writes).toHaveLength(5); // the five full pieces (the last one is 123 bytes)
    expect(reads).toHaveLength(5);
    // A piece crosses the wire as hex text at most (two characters a byte), plus the statement.
    const bound = 2 * CHECKPOINT_CHUNK_BYTES + 4096;
    for (const m of all) expect(Math.max(m.bytesIn, m.bytesOut)).toBeLessThanOrEqual(bound);
    expect(bytes.byteLength).toBeGreaterThan(bound); // (one statement with the whole blob would not pass)
    for (const list of [writes, reads])
      for (let i = 1; i < list.length; i++)
        expect(list[i]!.ticks, `turns before piece ${i}`).toBeGreaterThan(list[i - 1]!.ticks);
  });
});
