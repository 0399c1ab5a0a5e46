import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { DbHandle } from '@musar/db';
import { createTestDb } from '@musar/db/testing';
import { startBoss } from '../jobs/boss';
import { insertTestUser } from '../testing/users';
import { grantConsent, listConsents } from './grant';
import { CONSENT_EXPIRY_QUEUE, registerConsentExpiry } from './expiry';
import { seedGeneration, seedSubject } from '../testing/consent-fixtures';

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
      send: async (name: string, _data: object, o: { singletonSeconds: number }) => (
        calls.push(`send ${name} ${o.singletonSeconds}`),
        'j1'
      ),
    };
    const registered = await registerConsentExpiry(boss, handle.db, { tickSeconds: 0.05 });
    await new Promise((r) => setTimeout(r, 130));
    registered.stop();
    const sends = calls.filter((c) => c.startsWith('send')).length;
    expect(sends).toBeGreaterThanOrEqual(2); // one at once, then every tick
    await new Promise((r) => setTimeout(r, 120));
    expect(calls.filter((c) => c.startsWith('send')).length).toBe(sends); // stopped
    expect(calls.filter((c) => !c.startsWith('send'))).toEqual([
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

  it('runs on a real pg-boss (started without its cron) and ends a due consent like a revocation', async () => {
    const admin = await insertTestUser(handle.db, 'admin');
    const s = await seedSubject(handle.db, admin, []);
    const c = await grantConsent(handle.db, admin, {
      subjectId: s.id,
      scope: 'generate',
      grantedBy: 'x',
      evidence: 'e',
      expiresAt: new Date(Date.now() + 60_000),
    });
    const gen = await seedGeneration(handle.db, [s.id], { outputs: ['approved'] });
    await handle.db.execute(
      sql`update consents set expires_at = now() - interval '1 second' where id = ${c.id}`,
    );
    const boss = await startBoss(handle);
    const registered = await registerConsentExpiry(boss, handle.db, { tickSeconds: 1 });
    try {
      // until the job has processed it (before, the status already reads `expired` from the clock)
      let ended: string | null = null;
      for (let i = 0; i < 60 && !ended; i++) {
        await new Promise((r) => setTimeout(r, 250));
        ended = (await listConsents(handle.db, { subjectIds: [s.id] }))[0]!.revokedReason;
      }
      expect(ended).toBe('expired');
      const rows = await handle.db.execute(
        sql`select state from outputs where id = ${gen.outputIds[0]}`,
      );
      const [out] = Array.isArray(rows)
        ? rows
        : (rows as unknown as { rows: { state: string }[] }).rows;
      expect(out).toMatchObject({ state: 'withdrawn' });
    } finally {
      registered.stop();
      await boss.stop({ graceful: false, wait: true, timeout: 2000 });
    }
  }, 30_000);
});
