// Job-state changes that must commit with our own rows, on pg-boss 10's table (`pgboss.job`).
// pg-boss's complete()/fail() run on their own connection; these run in the caller's transaction,
// guarded by the attempt (retry_count), so a late or duplicate worker changes nothing.
import { sql } from 'drizzle-orm';
import { executeRows, type DbOrTx } from '@musar/db';
import PgBoss from 'pg-boss';
import { drizzleExecutor } from './executor';
import type { TQueueName } from './names';

export const BOSS_SCHEMA = 'pgboss';

export type TJobAttempt = { id: string; name: string; retryCount: number };

/** Marks the attempt completed; false when it is no longer the active attempt (expired and
 * re-fetched, cancelled, or already completed) — the caller must then roll back. */
export async function completeJobAttempt(
  tx: DbOrTx,
  job: TJobAttempt,
  output: Record<string, unknown>,
): Promise<boolean> {
  const rows = await executeRows(
    tx,
    sql`UPDATE pgboss.job SET state = 'completed', completed_on = now(), output = ${JSON.stringify(output)}::jsonb
        WHERE name = ${job.name} AND id = ${job.id}::uuid AND state = 'active' AND retry_count = ${job.retryCount}
        RETURNING id`,
  );
  return rows.length === 1;
}

/** Fails the attempt with no retry (invalid payload, lost consent): the reason is final. */
export async function failJobPermanently(
  tx: DbOrTx,
  job: TJobAttempt,
  reason: string,
): Promise<boolean> {
  const rows = await executeRows(
    tx,
    sql`UPDATE pgboss.job SET state = 'failed', completed_on = now(),
          output = ${JSON.stringify({ message: reason, permanent: true })}::jsonb
        WHERE name = ${job.name} AND id = ${job.id}::uuid AND state = 'active' AND retry_count = ${job.retryCount}
        RETURNING id`,
  );
  return rows.length === 1;
}

/** A pg-boss that is never started: it only renders send()/cancel() SQL onto a given executor. */
const sender = new PgBoss({
  db: { executeSql: () => Promise.reject(new Error('sender has no connection')) },
});

/** Enqueues a job in the caller's transaction: it exists only if the transaction commits. */
export async function sendInTransaction(
  tx: DbOrTx,
  name: TQueueName,
  data: object,
  options: Omit<PgBoss.SendOptions, 'db'> = {},
): Promise<string> {
  // pg-boss asserts on keys that are present but undefined.
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const id = await sender.send(name, data, { ...defined, db: drizzleExecutor(tx) });
  if (!id)
    throw new Error(
      `queue "${name}" refused the job (does the queue exist? the worker creates it at start)`,
    );
  return id;
}

/** Fails a job in the caller's transaction the way pg-boss does: `retry` while retries remain,
 * else `failed` (and copied to its dead-letter queue). */
export async function failJobInTransaction(
  tx: DbOrTx,
  name: string,
  id: string,
  output: object,
): Promise<void> {
  await sender.fail(name, id, output, { db: drizzleExecutor(tx) });
}

/** Cancels jobs (created, retry or active) in the caller's transaction. */
export async function cancelInTransaction(
  tx: DbOrTx,
  name: TQueueName,
  ids: string[],
): Promise<void> {
  if (ids.length) await sender.cancel(name, ids, { db: drizzleExecutor(tx) });
}

/** pg-boss's view of a job (state, attempt), or null. */
export async function jobState(
  db: DbOrTx,
  name: string,
  id: string,
): Promise<{ state: string; retryCount: number } | null> {
  const [row] = await executeRows<{ state: string; retry_count: number }>(
    db,
    sql`SELECT state::text AS state, retry_count FROM pgboss.job WHERE name = ${name} AND id = ${id}::uuid`,
  );
  return row ? { state: row.state, retryCount: row.retry_count } : null;
}
