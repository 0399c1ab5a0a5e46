// Push cancellation: the cancelling transaction NOTIFYs the request id (delivered on commit), and
// every runner LISTENs, so a running attempt stops at once instead of at its next state poll
// (the poll stays as the fallback, e.g. for a cancel made through pg-boss directly).
import { sql } from 'drizzle-orm';
import type { PGlite } from '@electric-sql/pglite';
import type { Sql } from 'postgres';
import type { DbHandle, DbOrTx } from '@musar/db';

export const CANCEL_CHANNEL = 'musar_generation_cancel';
/** A running retrain stopped by the revocation cascade (payload: the candidate's model version id). */
export const RETRAIN_CANCEL_CHANNEL = 'musar_retrain_cancel';

/** Queues a cancel notification per request; PostgreSQL delivers them when the transaction commits. */
export async function notifyCancelled(tx: DbOrTx, requestIds: readonly string[]): Promise<void> {
  for (const id of requestIds) await tx.execute(sql`SELECT pg_notify(${CANCEL_CHANNEL}, ${id})`);
}

/** Queues a stop notification per stopped retrain (delivered on commit). */
export async function notifyRetrainCancelled(
  tx: DbOrTx,
  modelVersionIds: readonly string[],
): Promise<void> {
  for (const id of modelVersionIds)
    await tx.execute(sql`SELECT pg_notify(${RETRAIN_CANCEL_CHANNEL}, ${id})`);
}

/** Calls `onCancel(requestId)` for every committed cancellation; returns the unlisten function. */
export function listenForCancels(
  handle: DbHandle,
  onCancel: (requestId: string) => void,
): Promise<() => Promise<void>> {
  return listenOn(handle, CANCEL_CHANNEL, onCancel);
}

export async function listenOn(
  handle: DbHandle,
  channel: string,
  fn: (payload: string) => void,
): Promise<() => Promise<void>> {
  const client = (handle.db as unknown as { $client: unknown }).$client;
  if (handle.driver === 'pglite') return (client as PGlite).listen(channel, fn);
  const { unlisten } = await (client as Sql).listen(channel, fn);
  return unlisten;
}
