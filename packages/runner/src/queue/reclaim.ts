// Reclaiming what a dead process held (issue 15 #8). A runner killed with SIGKILL leaves its
// pg-boss jobs `active` (until their expiry, up to hours) and their rows `running`; the metrics show
// them as working. Every runner therefore
//   - records itself as the owner of each job it starts (pgboss.job.output.musarOwner, overwritten
//     by pg-boss when the job ends), and
//   - proves it is alive for as long as it runs: on PostgreSQL a session advisory lock on its owner
//     id, held on one reserved connection (released by the server the moment the process dies);
//     on PGlite (one process owns the data folder) a registry in this process.
// On start, and every `everyMs` after, `reclaimOrphans` fails the active jobs whose owner is dead
// (pg-boss's own fail: retried while retries remain, else failed and dead-lettered) and, in the same
// transaction with an audit entry, puts their rows back: the generation request `queued` (or
// `failed`), the retrain's candidate `interrupted` (or `failed`).
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Sql } from 'postgres';
import { executeRows, writeAudit, type DbHandle, type DbOrTx } from '@musar/db';
import { WORKER_ID } from '../generation/store';
import type { TLogger } from '../log';
import { failJobInTransaction } from '@musar/core/jobs/job-sql';
import { deadLetterOf, QUEUES } from '@musar/core/jobs/names';

/** The queues whose jobs record their owner (the runner's consumers). */
export const OWNED_QUEUES = [
  QUEUES.generate,
  QUEUES.retrain,
  QUEUES.evaluate,
  deadLetterOf(QUEUES.generate),
] as const;

const LIVE = Symbol.for('musar.worker.liveOwners');
const live = ((globalThis as { [LIVE]?: Set<string> })[LIVE] ??= new Set<string>());

const lockKey = (owner: string) => sql`hashtextextended(${`musar-owner:${owner}`}, 0)`;

export type TOwnership = { owner: string; release(): Promise<void> };

/** Makes a fresh owner id and holds the proof that it is alive until `release()`. */
export async function holdOwnership(handle: DbHandle, log?: TLogger): Promise<TOwnership> {
  const owner = `${WORKER_ID}/${randomBytes(3).toString('hex')}`;
  live.add(owner);
  if (handle.driver === 'pglite') return { owner, release: async () => void live.delete(owner) };
  const client = (handle.db as unknown as { $client: Sql }).$client;
  const reserved = await client.reserve();
  await reserved`SELECT pg_advisory_lock(hashtextextended(${`musar-owner:${owner}`}, 0))`;
  log?.info({ owner }, 'holding the owner lock');
  return {
    owner,
    async release() {
      live.delete(owner);
      try {
        await reserved`SELECT pg_advisory_unlock_all()`;
      } finally {
        reserved.release();
      }
    },
  };
}

/** Marks a job we just started as ours (no-op once it left `active`). */
export async function recordOwner(
  db: DbOrTx,
  job: { id: string; name: string },
  owner: string,
): Promise<void> {
  await executeRows(
    db,
    sql`UPDATE pgboss.job SET output = jsonb_build_object('musarOwner', ${owner}::text, 'since', now())
        WHERE name = ${job.name} AND id = ${job.id}::uuid AND state = 'active'`,
  );
}

/** Is the owner alive? In this process: the registry. Elsewhere (PostgreSQL only): does some
 * session hold its advisory lock? (The try-lock is transaction-scoped: it ends with `tx`.) */
async function ownerAlive(tx: DbOrTx, driver: DbHandle['driver'], owner: string): Promise<boolean> {
  if (live.has(owner)) return true;
  if (driver === 'pglite') return false; // one process owns a PGlite: any other owner is gone
  const [row] = await executeRows<{ free: boolean }>(
    tx,
    sql`SELECT pg_try_advisory_xact_lock(${lockKey(owner)}) AS free`,
  );
  return !row?.free;
}

export type TReclaimed = {
  jobId: string;
  queue: string;
  owner: string | null;
  retried: boolean;
  requestIds: string[];
  versionIds: string[];
};

/**
 * Fails the active jobs of dead owners and restores their rows. Jobs without an owner (started by
 * an older version, or killed between fetch and `recordOwner`) count as dead once active for
 * `ownerlessAfterSeconds` (on PGlite at start: at once — nothing else can be running them).
 */
export async function reclaimOrphans(
  handle: DbHandle,
  o: { log?: TLogger; ownerlessAfterSeconds?: number } = {},
): Promise<TReclaimed[]> {
  const db = handle.db;
  const ownerless = o.ownerlessAfterSeconds ?? 120;
  const candidates = await executeRows<{
    id: string;
    name: string;
    retry_count: number;
    owner: string | null;
    old: boolean;
  }>(
    db,
    sql`SELECT id, name, retry_count, output->>'musarOwner' AS owner,
               (started_on < now() - make_interval(secs => ${ownerless})) AS old
        FROM pgboss.job WHERE state = 'active' AND name IN ${[...OWNED_QUEUES]}`,
  );
  const reclaimed: TReclaimed[] = [];
  for (const c of candidates) {
    if (!c.owner && !c.old) continue;
    const done = await db.transaction(async (tx): Promise<TReclaimed | null> => {
      const [job] = await executeRows<{
        retry_count: number;
        retry_limit: number;
        owner: string | null;
      }>(
        tx,
        sql`SELECT retry_count, retry_limit, output->>'musarOwner' AS owner FROM pgboss.job
            WHERE name = ${c.name} AND id = ${c.id}::uuid AND state = 'active' AND retry_count = ${c.retry_count}
            FOR UPDATE SKIP LOCKED`,
      );
      if (!job || job.owner !== c.owner) return null; // ended, re-fetched or busy meanwhile
      if (job.owner && (await ownerAlive(tx, handle.driver, job.owner))) return null;
      const retried = job.retry_count < job.retry_limit;
      const why = job.owner
        ? `its worker (${job.owner}) died`
        : 'it was left active by a process that died';
      await failJobInTransaction(tx, c.name, c.id, {
        message: `reclaimed: ${why}`,
        reclaimed: true,
        owner: job.owner,
      });
      const out: TReclaimed = {
        jobId: c.id,
        queue: c.name,
        owner: job.owner,
        retried,
        requestIds: [],
        versionIds: [],
      };
      if (c.name === QUEUES.generate) {
        const rows = await executeRows<{ id: string }>(
          tx,
          sql`UPDATE generation_requests
              SET state = ${retried ? 'queued' : 'failed'}::generation_state, progress = 0, steps_done = 0,
                  error = ${retried ? `attempt ${job.retry_count + 1} interrupted (${why}); retrying` : `interrupted on its last attempt (${why})`},
                  finished_at = ${retried ? null : sql`now()`}
              WHERE job_id = ${c.id} AND state = 'running' RETURNING id`,
        );
        out.requestIds = rows.map((r) => r.id);
        for (const r of rows)
          await writeAudit(tx, {
            actor: 'system',
            action: 'generation.reclaimed',
            targetType: 'generation_request',
            targetId: r.id,
            before: { state: 'running' },
            after: {
              state: retried ? 'queued' : 'failed',
              jobId: c.id,
              attempt: job.retry_count,
              owner: job.owner,
              retried,
            },
          });
      } else if (c.name === QUEUES.retrain) {
        const rows = await executeRows<{ id: string }>(
          tx,
          sql`UPDATE model_versions
              SET state = ${retried ? 'candidate' : 'failed'}::model_state,
                  metrics = jsonb_set(metrics, '{training}', (metrics->'training') || jsonb_build_object(
                    'status', ${retried ? 'interrupted' : 'failed'}::text, 'error', ${`interrupted: ${why}`}::text))
              WHERE state = 'candidate' AND metrics->'training'->>'jobId' = ${c.id}
                AND metrics->'training'->>'status' = 'running' RETURNING id`,
        );
        out.versionIds = rows.map((r) => r.id);
        for (const r of rows)
          await writeAudit(tx, {
            actor: 'system',
            action: 'model.retrain_reclaimed',
            targetType: 'model_version',
            targetId: r.id,
            before: { training: 'running' },
            after: {
              training: retried ? 'interrupted' : 'failed',
              jobId: c.id,
              owner: job.owner,
              retried,
            },
          });
      }
      await writeAudit(tx, {
        actor: 'system',
        action: 'job.reclaimed',
        targetType: 'job',
        targetId: c.id,
        after: { queue: c.name, owner: job.owner, attempt: job.retry_count, retried },
      });
      return out;
    });
    if (done) reclaimed.push(done);
  }
  // Requests left `running` whose job is waiting again (pg-boss expired the attempt): queued.
  await db.transaction(async (tx) => {
    const rows = await executeRows<{ id: string; job_id: string }>(
      tx,
      sql`UPDATE generation_requests r SET state = 'queued', progress = 0, steps_done = 0
          FROM pgboss.job j
          WHERE r.state = 'running' AND j.name = ${QUEUES.generate} AND j.id::text = r.job_id AND j.state IN ('created', 'retry')
          RETURNING r.id, r.job_id`,
    );
    for (const r of rows)
      await writeAudit(tx, {
        actor: 'system',
        action: 'generation.reclaimed',
        targetType: 'generation_request',
        targetId: r.id,
        before: { state: 'running' },
        after: { state: 'queued', jobId: r.job_id, why: 'its attempt expired' },
      });
  });
  if (reclaimed.length) o.log?.warn({ reclaimed }, 'reclaimed the jobs of dead workers');
  return reclaimed;
}
