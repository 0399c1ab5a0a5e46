import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import { modelVersions } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import { baseVersion, MAX_VERSION_HOPS, versionChain } from './ancestry';
import { readCheckpoint } from './checkpoint-io';

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(() => handle?.close());

const insert = async (v: typeof modelVersions.$inferInsert) =>
  (await handle.db.insert(modelVersions).values(v).returning())[0]!;

describe('walking up to the base model', () => {
  it('follows the parents of an adapter (a retrain continued an adapter) to its base', async () => {
    const base = await insert({
      kind: 'base',
      name: 'base',
      config: { depth: 3 },
      checkpoint: new Uint8Array([7]),
    });
    const first = await insert({ kind: 'adapter', name: 'a1', parentId: base.id });
    const second = await insert({ kind: 'adapter', name: 'a2', parentId: first.id });
    expect(await versionChain(handle.db, second.id)).toEqual([
      { id: second.id, kind: 'adapter', parentId: first.id, config: null },
      { id: first.id, kind: 'adapter', parentId: base.id, config: null },
      { id: base.id, kind: 'base', parentId: null, config: { depth: 3 } },
    ]);
    const found = await baseVersion(handle.db, second.id, ['id', 'config']);
    expect(Object.keys(found!).sort()).toEqual(['config', 'id']);
    expect(found?.id).toBe(base.id);
    expect([...(await readCheckpoint(handle.db, found!.id))!]).toEqual([7]);
    // a base is its own base; the whole row but the checkpoint by default
    const row = await baseVersion(handle.db, base.id);
    expect(row).toMatchObject({ id: base.id, name: 'base' });
    expect(row).not.toHaveProperty('checkpoint');
    expect(await versionChain(handle.db, base.id)).toHaveLength(1);
  });

  it('reaches no base from an adapter without a parent, or from nothing', async () => {
    const orphan = await insert({ kind: 'adapter', name: 'orphan' });
    const child = await insert({ kind: 'adapter', name: 'child', parentId: orphan.id });
    expect((await versionChain(handle.db, child.id)).map((l) => l.id)).toEqual([
      child.id,
      orphan.id,
    ]);
    expect(await baseVersion(handle.db, child.id)).toBeNull();
    const missing = '00000000-0000-4000-8000-0000000000aa';
    expect(await versionChain(handle.db, missing)).toEqual([]);
    expect(await baseVersion(handle.db, missing)).toBeNull();
  });

  it('stops after MAX_VERSION_HOPS links on a cycle', async () => {
    const a = await insert({ kind: 'adapter', name: 'cycle-a' });
    const b = await insert({ kind: 'adapter', name: 'cycle-b', parentId: a.id });
    await handle.db.update(modelVersions).set({ parentId: b.id }).where(eq(modelVersions.id, a.id));
    expect(await versionChain(handle.db, a.id)).toHaveLength(MAX_VERSION_HOPS + 1);
    expect(await baseVersion(handle.db, a.id)).toBeNull();
  });
});
