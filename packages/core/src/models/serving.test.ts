import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import { modelVersions } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import { servingGenerationVersion, servingVersion, servingVersions } from './serving';

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(() => handle?.close());

const insert = async (v: typeof modelVersions.$inferInsert) =>
  (await handle.db.insert(modelVersions).values(v).returning())[0]!;

describe('which version is serving', () => {
  it('none serving: null, and generation falls back from the adapter to the base', async () => {
    expect(await servingVersion(handle.db, 'base')).toBeNull();
    expect(await servingGenerationVersion(handle.db)).toBeNull();
    const base = await insert({
      kind: 'base',
      name: 'b',
      state: 'serving',
      promotedAt: new Date('2026-01-01'),
      checkpoint: new Uint8Array([1, 2, 3]),
    });
    await insert({ kind: 'adapter', name: 'cand', state: 'candidate', parentId: base.id });
    expect((await servingGenerationVersion(handle.db, ['id']))?.id).toBe(base.id);
    expect(await servingVersion(handle.db, 'adapter')).toBeNull();
    // the whole row but the checkpoint by default (readCheckpoint reads that), only the columns
    // asked for otherwise
    const row = await servingVersion(handle.db, 'base');
    expect(row?.id).toBe(base.id);
    expect(row?.name).toBe('b');
    expect(row).not.toHaveProperty('checkpoint');
    expect(await servingVersion(handle.db, 'base', ['id', 'name'])).toEqual({
      id: base.id,
      name: 'b',
    });
  });

  it('the newest promotion of the kind wins; the adapter before the base for generation', async () => {
    const base = (await servingVersion(handle.db, 'base', ['id']))!;
    const old = await insert({
      kind: 'adapter',
      name: 'old',
      state: 'serving',
      parentId: base.id,
      promotedAt: new Date('2026-02-01'),
    });
    const never = await insert({ kind: 'adapter', name: 'never', state: 'serving' });
    const newest = await insert({
      kind: 'adapter',
      name: 'newest',
      state: 'serving',
      parentId: base.id,
      promotedAt: new Date('2026-03-01'),
    });
    expect((await servingVersion(handle.db, 'adapter', ['id']))?.id).toBe(newest.id);
    expect((await servingGenerationVersion(handle.db, ['id']))?.id).toBe(newest.id);
    expect((await servingVersions(handle.db, 'adapter', ['id'])).map((r) => r.id)).toEqual([
      newest.id,
      old.id,
      never.id,
    ]);
    // under lock (promotion): the same rows, in a transaction
    const locked = await handle.db.transaction((tx) =>
      servingVersions(tx, 'adapter', ['id', 'state'], { lock: true }),
    );
    expect(locked.map((r) => r.id)).toEqual([newest.id, old.id, never.id]);
    await handle.db
      .update(modelVersions)
      .set({ state: 'retired' })
      .where(eq(modelVersions.kind, 'adapter'));
    expect((await servingGenerationVersion(handle.db, ['id']))?.id).toBe(base.id);
  });
});
