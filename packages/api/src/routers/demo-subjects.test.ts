// Demo mode's first start: toy subjects with consent, audited as demo data, once per database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { executeRows, type DbHandle } from '@musar/db';
import { createTestDb } from '@musar/db/testing';
import { callerFor, insertTestUser } from '../testing';
import { DEMO_SUBJECTS, seedDemoSubjects } from '@musar/core/subjects/subjects';

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(() => handle?.close());

describe('demo subjects', () => {
  it('creates toy subjects an operator can generate with at once, audited as demo data, once', async () => {
    const first = await seedDemoSubjects(handle.db);
    expect(first.created).toHaveLength(DEMO_SUBJECTS.length);
    const op = callerFor(handle.db, await insertTestUser(handle.db, 'operator'));
    const usable = await op.subjects.list({ usableFor: 'generate', limit: 50, offset: 0 });
    expect(usable.items.map((s) => s.name).sort()).toEqual(DEMO_SUBJECTS.map((s) => s.name).sort());
    expect(usable.items.every((s) => s.canGenerate && s.canTrain)).toBe(true);
    const audit = await executeRows<{ action: string; n: number }>(
      handle.db,
      sql`select action, count(*)::int as n from audit_log group by action order by action`,
    );
    expect(audit).toEqual(
      expect.arrayContaining([
        { action: 'consent.grant', n: 2 * DEMO_SUBJECTS.length },
        { action: 'demo.subjects', n: 1 },
        { action: 'subject.create', n: DEMO_SUBJECTS.length },
      ]),
    );
    const [marker] = await executeRows<{ after: { demo: boolean; subjectIds: string[] } }>(
      handle.db,
      sql`select after from audit_log where action = 'demo.subjects'`,
    );
    expect(marker!.after).toMatchObject({ demo: true, subjectIds: first.created });
    // a second start (or after an admin erased them): nothing more
    expect((await seedDemoSubjects(handle.db)).created).toEqual([]);
    const [n] = await executeRows<{ n: number }>(
      handle.db,
      sql`select count(*)::int as n from subjects`,
    );
    expect(n!.n).toBe(DEMO_SUBJECTS.length);
  });
});
