import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRows, writeAudit, type DbHandle } from './index';
import {
  auditLog,
  consents,
  lineage,
  modelVersions,
  subjectImages,
  subjects,
  user,
} from './schema';
import { createTestDb } from './testing';

let handle: DbHandle;
// drizzle wraps driver errors: the database's message is on `cause`
const appendOnly = { cause: { message: expect.stringMatching(/append-only/) } };
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(() => handle.close());

describe(`database (${process.env.MUSAR_TEST_POSTGRES ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('starts migrated and empty', async () => {
    const users = await handle.db.select().from(user);
    expect(users).toEqual([]);
    const tables = await executeRows<{ table_name: string }>(
      handle.db,
      sql`select table_name from information_schema.tables where table_schema = 'public'`,
    );
    const names = tables.map((r) => r.table_name);
    for (const t of [
      'user',
      'session',
      'subjects',
      'consents',
      'outputs',
      'reviews',
      'model_versions',
      'lineage',
      'audit_log',
      'routing_configs',
      'generation_requests',
      'subject_images',
    ]) {
      expect(names).toContain(t);
    }
  });

  it('stores and returns image bytes unchanged', async () => {
    const [subject] = await handle.db
      .insert(subjects)
      .values({ name: 'Star', classWord: 'star toy' })
      .returning();
    const bytes = Uint8Array.from({ length: 1024 }, (_, i) => (i * 37) % 256);
    await handle.db
      .insert(subjectImages)
      .values({ subjectId: subject!.id, image: bytes, contentHash: 'abc' });
    const [row] = await handle.db
      .select()
      .from(subjectImages)
      .where(eq(subjectImages.subjectId, subject!.id));
    expect(row!.image).toBeInstanceOf(Uint8Array);
    expect(Array.from(row!.image)).toEqual(Array.from(bytes));
    // the same photo twice for one subject is refused
    await expect(
      handle.db
        .insert(subjectImages)
        .values({ subjectId: subject!.id, image: bytes, contentHash: 'abc' }),
    ).rejects.toThrow();
  });

  it('keeps consent scopes to generate | train', async () => {
    const [subject] = await handle.db
      .insert(subjects)
      .values({ name: 'Moon', classWord: 'moon toy' })
      .returning();
    await handle.db.insert(consents).values({
      subjectId: subject!.id,
      scope: 'train',
      grantedBy: 'Rights holder',
      evidence: 'signed form #12',
    });
    await expect(
      handle.db.execute(
        sql`insert into consents (subject_id, scope, granted_by, evidence) values (${subject!.id}, 'sell', 'x', 'y')`,
      ),
    ).rejects.toThrow();
  });

  it('lineage rows name exactly one subject or output', async () => {
    const [model] = await handle.db
      .insert(modelVersions)
      .values({ kind: 'adapter', name: 'a1' })
      .returning();
    await expect(handle.db.insert(lineage).values({ modelVersionId: model!.id })).rejects.toThrow();
  });

  it('audit log is append-only and commits with its transaction', async () => {
    await writeAudit(handle.db, {
      actor: 'system',
      action: 'test.append',
      targetType: 'test',
      targetId: '1',
      before: null,
      after: { a: 1 },
    });
    await expect(
      handle.db.transaction(async (tx) => {
        await writeAudit(tx, { actor: 'system', action: 'test.rolled_back', targetType: 'test' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const rows = await handle.db.select().from(auditLog);
    expect(rows.map((r) => r.action)).toEqual(['test.append']);
    expect(rows[0]).toMatchObject({ actorId: null, actorLabel: 'system', after: { a: 1 } });
    await expect(handle.db.update(auditLog).set({ action: 'tampered' })).rejects.toMatchObject(
      appendOnly,
    );
    await expect(handle.db.delete(auditLog)).rejects.toMatchObject(appendOnly);
    await expect(handle.db.execute(sql`truncate audit_log`)).rejects.toMatchObject(appendOnly);
  });
});
