// Test fixtures for job tests in any workspace: toy-world subjects with consent and a reference
// image, generation requests enqueued like the API does, and PostgreSQL databases with a URL
// (for tests that start worker processes).
import { randomBytes, createHash } from 'node:crypto';
import postgres from 'postgres';
import { eq } from 'drizzle-orm';
import { inject } from 'vitest';
import type {} from '@musar/db/testing'; // declares the provided `musarPostgres`
import { createDb, type Db, type DbHandle } from '@musar/db';
import {
  consents,
  generationRequestSubjects,
  generationRequests,
  subjectImages,
  subjects,
} from '@musar/db/schema';
import { classWord, encodeRgbPng, generateSubject, renderReference } from '@musar/toyworld';
import { sendInTransaction } from '../jobs/job-sql';
import { QUEUES } from '../jobs/names';
import { ZGeneratePayload, type TGeneratePayloadInput } from '../jobs/payloads';

/** A toy-world subject with an active `generate` consent (unless consent: false) and one reference. */
export async function insertToySubject(
  db: Db,
  seed: number,
  opts: { consent?: boolean } = {},
): Promise<string> {
  const spec = generateSubject(seed);
  const png = encodeRgbPng(renderReference(spec, 32));
  const [row] = await db
    .insert(subjects)
    .values({
      name: `toy ${seed}`,
      classWord: classWord(spec.shape),
      attributes: { kind: 'toy', toyworld: spec },
    })
    .returning({ id: subjects.id });
  await db.insert(subjectImages).values({
    subjectId: row!.id,
    image: png,
    width: 32,
    height: 32,
    contentHash: createHash('sha256').update(png).digest('hex'),
  });
  if (opts.consent !== false)
    await db.insert(consents).values({
      subjectId: row!.id,
      scope: 'generate',
      grantedBy: 'test',
      evidence: 'test fixture',
    });
  return row!.id;
}

/** Inserts a request and enqueues its job in one transaction, like the API. Returns both ids. */
export async function enqueueTestGeneration(
  db: Db,
  input: Omit<TGeneratePayloadInput, 'requestId'>,
  options: {
    expireInSeconds?: number;
    retryLimit?: number;
    retryDelay?: number;
    rawData?: object;
  } = {},
): Promise<{ requestId: string; jobId: string }> {
  return db.transaction(async (tx) => {
    const [req] = await tx
      .insert(generationRequests)
      .values({
        prompt: input.prompt,
        routingParams: input.routing ?? {},
        steps: input.steps ?? 20,
        count: input.count,
        seed: input.seed,
      })
      .returning({ id: generationRequests.id });
    const requestId = req!.id;
    await tx
      .insert(generationRequestSubjects)
      .values(input.subjectIds.map((subjectId, position) => ({ requestId, subjectId, position })));
    const data = options.rawData ?? ZGeneratePayload.parse({ ...input, requestId });
    const jobId = await sendInTransaction(
      tx,
      QUEUES.generate,
      { ...data, ...(options.rawData ? { requestId } : {}) },
      {
        expireInSeconds: options.expireInSeconds,
        retryLimit: options.retryLimit,
        retryDelay: options.retryDelay,
      },
    );
    await tx.update(generationRequests).set({ jobId }).where(eq(generationRequests.id, requestId));
    return { requestId, jobId };
  });
}

/** A fresh migrated database on the suite's throwaway PostgreSQL, with its URL. */
export async function createPostgresTestDatabase(): Promise<{
  url: string;
  handle: DbHandle;
  drop(): Promise<void>;
}> {
  const pg = inject('musarPostgres');
  if (!pg) throw new Error('no throwaway PostgreSQL in this Vitest project');
  const name = `w_${randomBytes(6).toString('hex')}`;
  const admin = postgres(pg.url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${pg.template}`);
  await admin.end();
  const url = new URL(pg.url);
  url.pathname = `/${name}`;
  const handle = await createDb({ url: url.toString(), maxConnections: 8 });
  return {
    url: url.toString(),
    handle,
    async drop() {
      await handle.close();
      const a = postgres(pg.url, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
