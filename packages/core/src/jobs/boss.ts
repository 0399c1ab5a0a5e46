// One pg-boss per process, on the process's own database client: the postgres.js pool in
// production mode, the embedded PGlite otherwise (pg-boss's custom `db: { executeSql }`).
import PgBoss from 'pg-boss';
import type { PGlite } from '@electric-sql/pglite';
import type { DbHandle } from '@musar/db';
import type { Sql } from 'postgres';
import { pgliteExecutor, postgresJsExecutor, type TSqlExecutor } from './executor';
import { deadLetterOf, QUEUE_NAMES, QUEUE_POLICIES } from './names';
import { registerConsentJobHooks } from '../consent/hooks';
import { consentJobHooks } from '../consent/job-hooks';

export type TBossOptions = {
  /** Seconds between maintenance passes (expiry of dead workers' jobs, archiving). */
  maintenanceIntervalSeconds?: number;
  /** Overrides the per-queue policies (tests shorten expiry and retry delays). */
  policy?: Partial<
    Record<keyof typeof QUEUE_POLICIES, Partial<(typeof QUEUE_POLICIES)['generate']>>
  >;
};

/** The PGlite behind a drizzle handle (drizzle keeps its client as `$client`). */
export function pgliteOf(handle: DbHandle): PGlite {
  const client = (handle.db as unknown as { $client?: PGlite }).$client;
  if (!client || typeof client.exec !== 'function')
    throw new Error('the database handle is not PGlite');
  return client;
}

/** An executor on the handle's own client: PGlite, or the postgres.js pool. */
export function handleExecutor(handle: DbHandle): TSqlExecutor {
  if (handle.driver === 'pglite') return pgliteExecutor(pgliteOf(handle));
  const client = (handle.db as unknown as { $client?: Sql }).$client;
  if (!client || typeof client.unsafe !== 'function')
    throw new Error('the database handle has no postgres.js client');
  return postgresJsExecutor(client);
}

/** pg-boss on the process's own database client (one pool per process, either driver). */
export function createBoss(handle: DbHandle, options: TBossOptions = {}): PgBoss {
  return new PgBoss({
    db: handleExecutor(handle),
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 30,
    schedule: false,
  });
}

/** Creates (or updates) the queues and their dead-letter queues. Idempotent. */
export async function ensureQueues(boss: PgBoss, options: TBossOptions = {}): Promise<void> {
  for (const name of QUEUE_NAMES) {
    const dead = deadLetterOf(name);
    if (!(await boss.getQueue(dead))) await boss.createQueue(dead, { name: dead, retryLimit: 0 });
    const policy = { ...QUEUE_POLICIES[name], ...options.policy?.[name] };
    const queue = { name, deadLetter: dead, ...policy };
    if (await boss.getQueue(name)) await boss.updateQueue(name, queue);
    else await boss.createQueue(name, queue);
  }
}

/** Starts pg-boss (installing its schema on first use) and the queues. From then on the
 * consent cascade of this process cancels and enqueues jobs through them (consent/hooks.ts). */
export async function startBoss(handle: DbHandle, options: TBossOptions = {}): Promise<PgBoss> {
  const boss = createBoss(handle, options);
  await boss.start();
  await ensureQueues(boss, options);
  registerConsentJobHooks(consentJobHooks);
  return boss;
}
