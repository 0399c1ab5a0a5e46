// Production mode of the web process (DATABASE_URL set): the job system installs pg-boss and the
// queues so requests can be enqueued, but runs no runner — worker processes do.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { executeRows } from '@musar/db';
import { runsEmbeddedRunner, startJobSystem, type TJobSystem } from './embedded';
import { QUEUE_NAMES, deadLetterOf } from '@musar/core/jobs/names';
import { createPostgresTestDatabase } from '@musar/core/testing/jobs';

let env: Awaited<ReturnType<typeof createPostgresTestDatabase>>;
let jobs: TJobSystem;

beforeAll(async () => {
  env = await createPostgresTestDatabase();
  jobs = await startJobSystem(env.handle);
});
afterAll(async () => {
  await jobs?.stop();
  await env?.drop();
});

it('installs the queues and runs no runner with PostgreSQL', async () => {
  expect(runsEmbeddedRunner(env.handle)).toBe(false);
  expect(jobs.runner).toBeNull();
  expect(jobs.pool).toBeNull();
  expect(await startJobSystem(env.handle)).toBe(jobs); // once per process
  const rows = await executeRows<{
    name: string;
    dead_letter: string | null;
    retry_limit: number;
    retry_backoff: boolean;
  }>(
    env.handle.db,
    sql`SELECT name, dead_letter, retry_limit, retry_backoff FROM pgboss.queue ORDER BY name`,
  );
  for (const q of QUEUE_NAMES) {
    const row = rows.find((r) => r.name === q);
    expect(row).toMatchObject({ dead_letter: deadLetterOf(q), retry_backoff: true });
    expect(rows.find((r) => r.name === deadLetterOf(q))).toBeDefined();
  }
  expect(rows.find((r) => r.name === 'generate')!.retry_limit).toBe(3);
  expect(await jobs.metrics.registry.metrics()).toMatch(/musar_queue_scrape_ok\{role="web"\} 1/);
});
