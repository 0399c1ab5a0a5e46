// The expiry job: `expireConsents` on a pg-boss schedule (every minute by default). The process that
// owns the pg-boss instance (the worker, or the web server's embedded runner) calls
// `registerConsentExpiry(boss, db)` once at start; pg-boss's cron keeps one job per minute across
// all replicas and a worker runs it (`expireConsents` is idempotent and uses SKIP LOCKED, so an
// overlap does no harm). The boss must be started with scheduling on (pg-boss `schedule: true`,
// its default). packages/api depends on no queue library: the slice of pg-boss it uses is typed here.
import type { Db } from '@musar/db';
import { expireConsents } from './consent-revoke';

export const CONSENT_EXPIRY_QUEUE = 'consent-expiry';

export type TBossLike = {
  getQueue(name: string): Promise<unknown>;
  createQueue(
    name: string,
    options?: { name: string; retryLimit?: number; retryDelay?: number },
  ): Promise<unknown>;
  schedule(
    name: string,
    cron: string,
    data?: object | null,
    options?: Record<string, unknown>,
  ): Promise<unknown>;
  work(name: string, handler: (jobs: unknown[]) => Promise<unknown>): Promise<string>;
};

export async function registerConsentExpiry(boss: TBossLike, db: Db, cron = '* * * * *') {
  if (!(await boss.getQueue(CONSENT_EXPIRY_QUEUE))) {
    await boss.createQueue(CONSENT_EXPIRY_QUEUE, {
      name: CONSENT_EXPIRY_QUEUE,
      retryLimit: 2,
      retryDelay: 30,
    });
  }
  await boss.schedule(CONSENT_EXPIRY_QUEUE, cron, {}, { tz: 'UTC' });
  return boss.work(CONSENT_EXPIRY_QUEUE, async () => {
    const { expiredConsentIds, cascades } = await expireConsents(db);
    return { expired: expiredConsentIds.length, cascades: cascades.length };
  });
}
