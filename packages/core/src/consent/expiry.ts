// The expiry job: `expireConsents` on a pg-boss schedule (every minute by default). The process that
// owns the pg-boss instance (the worker, or the web server's embedded runner) calls
// `registerConsentExpiry(boss, db)` once at start; pg-boss's cron keeps one job per minute across
// all replicas and a worker runs it (`expireConsents` is idempotent and uses SKIP LOCKED, so an
// overlap does no harm). pg-boss's cron runs only in a boss started with `schedule: true`; so that
// expiry also runs under a boss without it, every registering process also sends a throttled job
// each tick (`singletonSeconds`: pg-boss keeps at most one per window across all replicas).
// packages/api depends on no queue library: the slice of pg-boss it uses is typed here.
import type { Db } from '@musar/db';
import { expireConsents } from './revoke';

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
  send(name: string, data: object, options: { singletonSeconds: number }): Promise<string | null>;
};

export async function registerConsentExpiry(
  boss: TBossLike,
  db: Db,
  opts: { cron?: string; tickSeconds?: number } = {},
) {
  const tickSeconds = opts.tickSeconds ?? 60;
  if (!(await boss.getQueue(CONSENT_EXPIRY_QUEUE))) {
    await boss.createQueue(CONSENT_EXPIRY_QUEUE, {
      name: CONSENT_EXPIRY_QUEUE,
      retryLimit: 2,
      retryDelay: 30,
    });
  }
  await boss.schedule(CONSENT_EXPIRY_QUEUE, opts.cron ?? '* * * * *', {}, { tz: 'UTC' });
  const workerId = await boss.work(CONSENT_EXPIRY_QUEUE, async () => {
    const { expiredConsentIds, cascades } = await expireConsents(db);
    return { expired: expiredConsentIds.length, cascades: cascades.length };
  });
  const tick = () =>
    void boss
      .send(CONSENT_EXPIRY_QUEUE, {}, { singletonSeconds: tickSeconds })
      .catch(() => undefined);
  const timer = setInterval(tick, tickSeconds * 1000);
  timer.unref?.();
  tick();
  return { workerId, stop: () => clearInterval(timer) };
}
