// Generation requests through the router: request + job in one transaction, consent checked at
// request time, cancellation. Runs on PGlite and (postgres project) on a throwaway PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { executeRows, type DbHandle } from '@musar/db';
import { createTestDb } from '@musar/db/testing';
import { auditLog, generationRequests } from '@musar/db/schema';
import { startBoss } from '@musar/core/jobs/boss';
import { jobState } from '@musar/core/jobs/job-sql';
import { insertToySubject } from '@musar/core/testing/jobs';
import { callerFor, insertTestUser, type Caller } from '../testing';

let handle: DbHandle;
let operator: Caller;
let a: string, b: string, noConsent: string;

beforeAll(async () => {
  handle = await createTestDb();
  // Install pg-boss and the queues in this database (a worker or the web server does it at start).
  const boss = await startBoss(handle);
  await boss.stop({ graceful: false, wait: true });
  operator = callerFor(handle.db, await insertTestUser(handle.db, 'operator'));
  a = await insertToySubject(handle.db, 1);
  b = await insertToySubject(handle.db, 2);
  noConsent = await insertToySubject(handle.db, 3, { consent: false });
});
afterAll(() => handle?.close());

const jobsOf = (requestId: string) =>
  executeRows<{ id: string; data: Record<string, unknown> }>(
    handle.db,
    sql`SELECT id, data FROM pgboss.job WHERE name = 'generate' AND data->>'requestId' = ${requestId}`,
  );

describe('generation router', () => {
  it('creates the request and its job in one transaction', async () => {
    const r = await operator.generation.create({
      subjectIds: [a, b],
      prompt: 'a star toy left of a heart toy',
      count: 3,
      seed: 42,
      steps: 10,
      routing: { beta: 5 },
    });
    expect(r).toMatchObject({
      state: 'queued',
      count: 3,
      seed: 42,
      step: 0,
      totalSteps: 30,
      stepsPerImage: 10,
      outputs: 0,
      // the steps have their own column, not a key of the routing JSON
      routingParams: { beta: 5 },
    });
    const [row] = await handle.db
      .select()
      .from(generationRequests)
      .where(eq(generationRequests.id, r.id));
    expect([row!.steps, row!.routingParams]).toEqual([10, { beta: 5 }]);
    expect(r.subjects.map((s) => s.id)).toEqual([a, b]);
    const jobs = await jobsOf(r.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.id).toBe(r.jobId);
    expect(jobs[0]!.data).toMatchObject({
      requestId: r.id,
      subjectIds: [a, b],
      count: 3,
      seed: 42,
      steps: 10,
      routing: { beta: 5 },
    });
    const audit = await handle.db.select().from(auditLog).where(eq(auditLog.targetId, r.id));
    expect(audit.map((e) => e.action)).toEqual(['generation.request']);
    expect((await operator.generation.list()).items.map((i) => i.id)).toContain(r.id);
  });

  it('refuses a subject without active consent and writes nothing', async () => {
    const before = await handle.db.select().from(generationRequests);
    await expect(
      operator.generation.create({ subjectIds: [a, noConsent], prompt: 'a toy', count: 1 }),
    ).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'subject "toy 3" has no active consent for generate',
    });
    expect(await handle.db.select().from(generationRequests)).toHaveLength(before.length);
  });

  it('validates input', async () => {
    await expect(
      operator.generation.create({ subjectIds: [a], prompt: 'a toy', count: 1 }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      operator.generation.create({ subjectIds: [a, b], prompt: 'a toy', count: 0 }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('cancels a queued request and its job, once', async () => {
    const r = await operator.generation.create({ subjectIds: [b, a], prompt: 'a toy', count: 1 });
    const c = await operator.generation.cancel({ requestId: r.id });
    expect(c.state).toBe('cancelled');
    expect(c.error).toMatch(/^cancelled by operator-/);
    expect((await jobState(handle.db, 'generate', r.jobId!))?.state).toBe('cancelled');
    await expect(operator.generation.cancel({ requestId: r.id })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    const audit = await handle.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, r.id))
      .orderBy(auditLog.id);
    expect(audit.map((e) => e.action)).toEqual(['generation.request', 'generation.cancel']);
  });
});
