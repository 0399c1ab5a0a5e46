import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { DbHandle } from '@musar/db';
import { createTestDb } from '@musar/db/testing';
import { insertTestUser } from '../testing';
import { grantConsent, listConsents } from './consent-grant';
import { CONSENT_EXPIRY_QUEUE, registerConsentExpiry } from './consent-expiry';
import { seedGeneration, seedSubject } from './consent.fixtures';

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(() => handle.close());

describe('registerConsentExpiry', () => {
  it('creates the queue, schedules it and works it with expireConsents', async () => {
    const admin = await insertTestUser(handle.db, 'admin');
    const s = await seedSubject(handle.db, admin, []);
    const c = await grantConsent(handle.db, admin, {
      subjectId: s.id,
      scope: 'generate',
      grantedBy: 'x',
      evidence: 'e',
      expiresAt: new Date(Date.now() + 60_000),
    });
    const gen = await seedGeneration(handle.db, [s.id], { outputs: ['pending_review'] });
    const calls: string[] = [];
    let handler: ((jobs: unknown[]) => Promise<unknown>) | undefined;
    const boss = {
      getQueue: async () => null,
      createQueue: async (name: string) => void calls.push(`create ${name}`),
      schedule: async (name: string, cron: string) => void calls.push(`schedule ${name} ${cron}`),
      work: async (name: string, h: (jobs: unknown[]) => Promise<unknown>) => (
        calls.push(`work ${name}`),
        (handler = h),
        'w1'
      ),
    };
    await registerConsentExpiry(boss, handle.db);
    expect(calls).toEqual([
      `create ${CONSENT_EXPIRY_QUEUE}`,
      `schedule ${CONSENT_EXPIRY_QUEUE} * * * * *`,
      `work ${CONSENT_EXPIRY_QUEUE}`,
    ]);
    expect(await handler!([])).toEqual({ expired: 0, cascades: 0 });
    // the consent runs out; the next scheduled run ends it like a revocation
    await handle.db.execute(
      sql`update consents set expires_at = now() - interval '1 second' where id = ${c.id}`,
    );
    expect(await handler!([])).toEqual({ expired: 1, cascades: 1 });
    expect((await listConsents(handle.db, { subjectIds: [s.id] }))[0]!.status).toBe('expired');
    const [out] = await handle.db
      .execute(sql`select state from outputs where id = ${gen.outputIds[0]}`)
      .then((r: unknown) => (Array.isArray(r) ? r : (r as { rows: { state: string }[] }).rows));
    expect(out).toMatchObject({ state: 'withdrawn' });
  });
});
