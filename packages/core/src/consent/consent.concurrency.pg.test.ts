// Revoke vs generate on a real PostgreSQL (the `postgres` Vitest project; PGlite has one
// connection, so there is nothing concurrent to test there). The rule: once a revocation has
// committed, no generation with the subject gets through — either the generation committed first
// and the revocation's cascade cancelled it, or it waited for the revocation and was refused.
import { eq, inArray } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Db, DbHandle } from '@musar/db';
import { consents, generationRequests, generationRequestSubjects } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import { insertTestUser } from '../testing/users';
import type { SessionUser } from '../common/actor';
import { assertConsent, ConsentError } from './consent';
import { registerConsentJobHooks, resetConsentJobHooks } from './hooks';
import { revokeSubjectConsents } from './revoke';
import { seedGeneration, seedSubject } from '../testing/consent-fixtures';

// *.pg.test.ts files run only in the PostgreSQL project (PGlite has one connection: no concurrency).
let handle: DbHandle;
let admin: SessionUser;
beforeAll(async () => {
  handle = await createTestDb();
  admin = await insertTestUser(handle.db, 'admin');
});
afterAll(() => handle?.close());
afterEach(() => resetConsentJobHooks());

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
};
const settled = async (p: Promise<unknown>, ms: number) =>
  Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise((r) => setTimeout(() => r(false), ms)),
  ]);

/** What the generation service does: check consent and enqueue, in one transaction. */
async function generate(db: Db, subjectIds: string[], beforeCommit?: Promise<void>) {
  return db.transaction(async (tx) => {
    await assertConsent(tx, subjectIds, 'generate');
    const [r] = await tx
      .insert(generationRequests)
      .values({ prompt: 'p', routingParams: {}, count: 1 })
      .returning({ id: generationRequests.id });
    await tx
      .insert(generationRequestSubjects)
      .values(subjectIds.map((subjectId, position) => ({ requestId: r!.id, subjectId, position })));
    await beforeCommit;
    return r!.id;
  });
}

async function queuedWith(subjectId: string) {
  return handle.db
    .select({ id: generationRequests.id })
    .from(generationRequests)
    .innerJoin(
      generationRequestSubjects,
      eq(generationRequestSubjects.requestId, generationRequests.id),
    )
    .where(eq(generationRequestSubjects.subjectId, subjectId))
    .then(async (rows) => {
      if (!rows.length) return [];
      return handle.db
        .select()
        .from(generationRequests)
        .where(
          inArray(
            generationRequests.id,
            rows.map((r) => r.id),
          ),
        );
    });
}

describe('revoke vs generate (PostgreSQL)', () => {
  it('a generation holding the consent lock makes the revocation wait, then gets cancelled by it', async () => {
    const a = await seedSubject(handle.db, admin, ['generate']);
    const b = await seedSubject(handle.db, admin, ['generate']);
    const g = gate();
    const gen = generate(handle.db, [a.id, b.id], g.opened);
    await new Promise((r) => setTimeout(r, 200)); // G holds FOR SHARE now
    const revoke = revokeSubjectConsents(handle.db, admin, { subjectId: a.id, reason: 'race' });
    expect(await settled(revoke, 500)).toBe(false); // blocked on the lock
    g.open();
    const requestId = await gen;
    const res = await revoke;
    expect(res.cascade?.cancelledRequestIds).toEqual([requestId]);
    const [row] = await handle.db
      .select()
      .from(generationRequests)
      .where(eq(generationRequests.id, requestId));
    expect(row?.state).toBe('cancelled');
  });

  it('a generation arriving while the revocation is in flight waits for it and is refused', async () => {
    const a = await seedSubject(handle.db, admin, ['generate']);
    await seedGeneration(handle.db, [a.id], { state: 'queued' }); // so the cascade calls the cancel hook
    const g = gate();
    const inCascade = gate();
    registerConsentJobHooks({ cancelGenerationJobs: async () => (inCascade.open(), g.opened) });
    const revoke = revokeSubjectConsents(handle.db, admin, { subjectId: a.id, reason: 'race' });
    await inCascade.opened; // the revocation holds FOR UPDATE on the consent rows
    const gen = generate(handle.db, [a.id]);
    expect(await settled(gen, 500)).toBe(false);
    g.open();
    await revoke;
    await expect(gen).rejects.toBeInstanceOf(ConsentError);
    expect((await queuedWith(a.id)).map((r) => r.state)).toEqual(['cancelled']);
  });

  it('a generation that read consent WITHOUT a lock and wrote its request still gets cancelled', async () => {
    const a = await seedSubject(handle.db, admin, ['generate']);
    const g = gate();
    const wrote = gate();
    // like a service that checks consent with a plain read: no FOR SHARE
    const gen = handle.db.transaction(async (tx) => {
      const [row] = await tx.select().from(consents).where(eq(consents.subjectId, a.id));
      expect(row?.revokedAt).toBeNull();
      const [r] = await tx
        .insert(generationRequests)
        .values({ prompt: 'p', routingParams: {}, count: 1 })
        .returning({ id: generationRequests.id });
      await tx
        .insert(generationRequestSubjects)
        .values({ requestId: r!.id, subjectId: a.id, position: 0 });
      wrote.open();
      await g.opened;
      return r!.id;
    });
    await wrote.opened;
    const revoke = revokeSubjectConsents(handle.db, admin, { subjectId: a.id, reason: 'race' });
    // the revocation waits on the subject row (FOR UPDATE vs the request's FOR KEY SHARE)
    expect(await settled(revoke, 500)).toBe(false);
    g.open();
    const requestId = await gen;
    expect((await revoke).cascade?.cancelledRequestIds).toEqual([requestId]);
  });

  it('under random interleavings no request with the subject is left queued after the revocation', async () => {
    let refused = 0;
    let cancelled = 0;
    for (let round = 0; round < 12; round++) {
      const a = await seedSubject(handle.db, admin, ['generate'], 1);
      const jitter = () => new Promise<void>((r) => setTimeout(r, Math.random() * 15));
      const attempts = Array.from({ length: 3 }, async () => {
        await jitter();
        return generate(handle.db, [a.id], jitter());
      });
      const revoke = (async () => (
        await jitter(),
        revokeSubjectConsents(handle.db, admin, { subjectId: a.id, reason: `round ${round}` })
      ))();
      const results = await Promise.allSettled([...attempts, revoke]);
      for (const r of results.slice(0, 3)) {
        if (r.status === 'rejected') {
          expect(r.reason).toBeInstanceOf(ConsentError);
          refused++;
        }
      }
      expect(results[3]!.status).toBe('fulfilled');
      const rows = await queuedWith(a.id);
      expect(rows.filter((r) => r.state !== 'cancelled')).toEqual([]);
      cancelled += rows.length;
      // and after it: refused, always
      await expect(generate(handle.db, [a.id])).rejects.toBeInstanceOf(ConsentError);
    }
    expect(refused + cancelled).toBe(36);
    console.log(
      `[concurrency] 36 racing generations: ${cancelled} committed first and were cancelled, ${refused} refused`,
    );
  });
});
