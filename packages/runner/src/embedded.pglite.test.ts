// Embedded mode on PGlite (what `npm start` runs): pg-boss through the PGlite executor, the runner
// with a compute thread, LISTEN/NOTIFY cancellation, and the metrics the web server serves.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { PGlite } from '@electric-sql/pglite';
import { createDb, type DbHandle } from '@musar/db';
import { auditLog, generationRequests, outputs } from '@musar/db/schema';
import { startJobSystem, type TJobSystem } from './embedded';
import { cancelGenerationRequests } from '@musar/core/generation/cancel';
import { enqueueTestGeneration, insertToySubject } from '@musar/core/testing/jobs';

let handle: DbHandle;
let jobs: TJobSystem;

beforeAll(async () => {
  handle = await createDb({ pglite: await PGlite.create() });
  await handle.migrate();
  process.env.MUSAR_THREADS = '1';
  jobs = await startJobSystem(handle);
});
afterAll(async () => {
  await jobs?.stop();
  await handle?.close();
});

const state = async (id: string) =>
  (await handle.db.select().from(generationRequests).where(eq(generationRequests.id, id)))[0]!;
async function until<T>(fn: () => Promise<T | false>, ms = 90_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    const v = await fn();
    if (v) return v;
  }
  throw new Error('timed out');
}

it('runs a generation, cancels another through NOTIFY, and reports metrics', async () => {
  expect(jobs.runner).not.toBeNull(); // PGlite → the runner is embedded
  const a = await insertToySubject(handle.db, 41);
  const b = await insertToySubject(handle.db, 42);
  const done = await enqueueTestGeneration(handle.db, {
    subjectIds: [a, b],
    prompt: 'a toy',
    count: 1,
    seed: 1,
    steps: 4,
  });
  await until(async () => (await state(done.requestId)).state === 'succeeded');
  expect(
    await handle.db.select().from(outputs).where(eq(outputs.requestId, done.requestId)),
  ).toHaveLength(1);

  const long = await enqueueTestGeneration(handle.db, {
    subjectIds: [a, b],
    prompt: 'a toy',
    count: 8,
    seed: 2,
    steps: 20,
  });
  await until(async () => (await state(long.requestId)).progress > 0);
  await handle.db.transaction((tx) =>
    cancelGenerationRequests(tx, [long.requestId], 'system', 'stop'),
  );
  const [stopped] = await until(async () => {
    const rows = await handle.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'generation.stopped'));
    return rows.length > 0 && rows;
  });
  expect((stopped!.after as { via: string }).via).toBe('notify');
  expect((await state(long.requestId)).state).toBe('cancelled');
  expect(
    await handle.db.select().from(outputs).where(eq(outputs.requestId, long.requestId)),
  ).toHaveLength(0);

  const text = await jobs.metrics.registry.metrics();
  expect(text).toMatch(/musar_queue_scrape_ok\{role="embedded"\} 1/);
  expect(text).toMatch(/musar_jobs_total\{[^}]*outcome="completed"[^}]*\} 1/);
  expect(text).toMatch(/musar_jobs_total\{[^}]*outcome="cancelled"[^}]*\} 1/);
});
