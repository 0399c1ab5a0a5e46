// Test fixtures for the consent domain: subjects with consents, generation requests with outputs,
// model versions with lineage. Rows are inserted directly so tests exercise only the rule under test.
import { sql } from 'drizzle-orm';
import { executeRows, type Db, type DbOrTx } from '@musar/db';
import {
  generationRequestSubjects,
  generationRequests,
  lineage,
  modelVersions,
  outputs,
} from '@musar/db/schema';
import { encodeRgbPng, generateSubject, renderReference } from '@musar/toyworld';
import type { TActor, TConsentScope } from '../consent/consent';
import { grantConsent } from '../consent/grant';
import { createToySubject } from '../subjects/subjects';

let seedCounter = 1000;

/** A toy subject with active consents for the given scopes. */
export async function seedSubject(
  db: Db,
  actor: TActor,
  scopes: TConsentScope[] = ['generate', 'train'],
  views = 2,
) {
  const seed = seedCounter++;
  const { id } = await createToySubject(db, actor, { seed, views });
  const consentIds: Record<string, string> = {};
  for (const scope of scopes) {
    consentIds[scope] = (
      await grantConsent(db, actor, {
        subjectId: id,
        scope,
        grantedBy: `Owner of ${seed}`,
        evidence: `form ${seed}-${scope}`,
      })
    ).id;
  }
  return { id, seed, consentIds };
}

/** A distinctive output image (so byte scans can find it). */
export const outputPng = (seed: number) => encodeRgbPng(renderReference(generateSubject(seed), 32));

/** A generation request over the subjects, with outputs in the given states. */
export async function seedGeneration(
  db: DbOrTx,
  subjectIds: string[],
  opts: {
    state?: 'queued' | 'running' | 'succeeded';
    outputs?: ('pending_review' | 'approved' | 'rejected')[];
    modelVersionId?: string;
  } = {},
) {
  const [request] = await db
    .insert(generationRequests)
    .values({
      prompt: 'two toys side by side',
      routingParams: {},
      count: opts.outputs?.length || 1,
      state: opts.state ?? 'succeeded',
    })
    .returning({ id: generationRequests.id });
  await db
    .insert(generationRequestSubjects)
    .values(
      subjectIds.map((subjectId, position) => ({ requestId: request!.id, subjectId, position })),
    );
  const outputIds: string[] = [];
  for (const [index, state] of (opts.outputs ?? []).entries()) {
    const [o] = await db
      .insert(outputs)
      .values({
        requestId: request!.id,
        index,
        image: outputPng(seedCounter++),
        width: 32,
        height: 32,
        state,
        routingMap: [[0, 1]],
        modelVersionId: opts.modelVersionId ?? null,
      })
      .returning({ id: outputs.id });
    outputIds.push(o!.id);
  }
  return { requestId: request!.id, outputIds };
}

export async function seedModel(
  db: DbOrTx,
  opts: {
    name: string;
    state: 'candidate' | 'serving' | 'retired';
    parentId?: string;
    promotedMinutesAgo?: number;
    subjectIds?: string[];
    outputIds?: string[];
  },
) {
  const promotedAt =
    opts.promotedMinutesAgo === undefined
      ? null
      : new Date(Date.now() - opts.promotedMinutesAgo * 60_000);
  const [m] = await db
    .insert(modelVersions)
    .values({
      kind: 'adapter',
      name: opts.name,
      state: opts.state,
      parentId: opts.parentId ?? null,
      promotedAt,
    })
    .returning({ id: modelVersions.id });
  const rows = [
    ...(opts.subjectIds ?? []).map((subjectId) => ({ modelVersionId: m!.id, subjectId })),
    ...(opts.outputIds ?? []).map((outputId) => ({ modelVersionId: m!.id, outputId })),
  ];
  if (rows.length) await db.insert(lineage).values(rows);
  return m!.id;
}

export async function auditActions(db: DbOrTx, since = 0) {
  const rows = await executeRows<{ action: string; target_id: string | null; after: unknown }>(
    db,
    sql`select action, target_id, after from audit_log where id > ${since} order by id`,
  );
  return rows.map((r) => ({ action: r.action, targetId: r.target_id, after: r.after }));
}

export async function lastAuditId(db: DbOrTx): Promise<number> {
  const [row] = await executeRows<{ id: number }>(
    db,
    sql`select coalesce(max(id), 0)::int as id from audit_log`,
  );
  return Number(row?.id ?? 0);
}
