// One pg-boss per process, on whichever database the process uses: PostgreSQL (its own pg pool)
// or the embedded PGlite (through pgliteExecutor).
import PgBoss from 'pg-boss';
import type { PGlite } from '@electric-sql/pglite';
import type { DbHandle } from '@musar/db';
import { pgliteExecutor } from './executor';
import { deadLetterOf, QUEUE_NAMES, QUEUE_POLICIES } from './names';

export type TBossOptions = {
  /** Seconds between maintenance passes (expiry of dead workers' jobs, archiving). */
  maintenanceIntervalSeconds?: number;
  /** pg pool size in PostgreSQL mode. */
  max?: number;
  /** Overrides the per-queue policies (tests shorten expiry and retry delays). */
  policy?: Partial<Record<keyof typeof QUEUE_POLICIES, Partial<(typeof QUEUE_POLICIES)['generate']>>>;
};

/** The PGlite behind a drizzle handle (drizzle keeps its client as `$client`). */
export function pgliteOf(handle: DbHandle): PGlite {
  const client = (handle.db as unknown as { $client?: PGlite }).$client;
  if (!client || typeof client.exec !== 'function') throw new Error('the database handle is not PGlite');
  return client;
}

export function createBoss(handle: DbHandle, options: TBossOptions & { url?: string } = {}): PgBoss {
  const common = {
    maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 30,
    schedule: false,
  };
  if (handle.driver === 'pglite') return new PgBoss({ ...common, db: pgliteExecutor(pgliteOf(handle)) });
  const url = options.url ?? process.env.DATABASE_URL;
  if (!url) throw new Error('PostgreSQL mode needs DATABASE_URL (or options.url)');
  return new PgBoss({ ...common, connectionString: url, max: options.max ?? 4, application_name: 'musar-worker' });
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

/** Starts pg-boss (installing its schema on first use) and the queues. */
export async function startBoss(handle: DbHandle, options: TBossOptions & { url?: string } = {}): Promise<PgBoss> {
  const boss = createBoss(handle, options);
  await boss.start();
  await ensureQueues(boss, options);
  return boss;
}
