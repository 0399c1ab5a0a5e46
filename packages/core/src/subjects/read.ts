// Reading subjects: the list (with whether each is usable now, per scope) and one subject's page
// (images, consents, and its lineage: every output holding it and every model version trained on
// it, directly, through an output, or by continuing such a version).
import { and, asc, count, desc, eq, ilike, inArray, sql } from 'drizzle-orm';
import { containsPattern } from '../common/like';
import { executeRows, type Db, type DbOrTx } from '@musar/db';
import { subjectImages, subjects } from '@musar/db/schema';
import { notFound } from '../common/errors';
import { iso } from '../common/schemas';
import type { TConsentScope } from '../consent/consent';
import { listConsents } from '../consent/grant';

// Correlated subqueries are written out with explicit aliases: drizzle renders columns of a
// single-table select unqualified, and `"id"` would then bind to the inner table.
const usable = (scope: TConsentScope) =>
  sql<boolean>`exists (select 1 from consents c where c.subject_id = "subjects"."id" and c.scope = ${scope}
    and c.revoked_at is null and c.valid_from <= now() and (c.expires_at is null or c.expires_at > now()))`;

export const pngDataUrl = (bytes: Uint8Array) =>
  `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;
const kindOf = (attributes: Record<string, unknown> | null) =>
  String(attributes?.kind ?? 'product');

export async function listSubjects(
  db: Db,
  input: { search?: string; usableFor?: TConsentScope; limit: number; offset: number },
) {
  const where = and(
    input.search ? ilike(subjects.name, containsPattern(input.search)) : undefined,
    input.usableFor ? usable(input.usableFor) : undefined,
  );
  const [rows, [total]] = await Promise.all([
    db
      .select({
        id: subjects.id,
        name: subjects.name,
        classWord: subjects.classWord,
        attributes: subjects.attributes,
        createdAt: subjects.createdAt,
        erasedAt: subjects.erasedAt,
        canGenerate: usable('generate'),
        canTrain: usable('train'),
        imageCount: sql<number>`(select count(*)::int from subject_images i where i.subject_id = "subjects"."id")`,
      })
      .from(subjects)
      .where(where)
      .orderBy(desc(subjects.createdAt), subjects.id)
      .limit(input.limit)
      .offset(input.offset),
    db.select({ n: count() }).from(subjects).where(where),
  ]);
  const thumbs = rows.length
    ? await db
        .selectDistinctOn([subjectImages.subjectId], {
          subjectId: subjectImages.subjectId,
          image: subjectImages.image,
        })
        .from(subjectImages)
        .where(
          inArray(
            subjectImages.subjectId,
            rows.map((r) => r.id),
          ),
        )
        .orderBy(subjectImages.subjectId, asc(subjectImages.createdAt), subjectImages.id)
    : [];
  const thumbOf = new Map(thumbs.map((t) => [t.subjectId, pngDataUrl(t.image)]));
  return {
    total: total?.n ?? 0,
    items: rows.map((r) => ({
      id: r.id,
      name: r.name,
      classWord: r.classWord,
      kind: kindOf(r.attributes),
      imageCount: Number(r.imageCount),
      thumbnail: thumbOf.get(r.id) ?? null,
      canGenerate: Boolean(r.canGenerate),
      canTrain: Boolean(r.canTrain),
      erasedAt: iso(r.erasedAt),
      createdAt: r.createdAt.toISOString(),
    })),
  };
}

export async function getSubject(db: Db, subjectId: string) {
  const [s] = await db.select().from(subjects).where(eq(subjects.id, subjectId));
  if (!s) throw notFound('Subject');
  const images = await db
    .select()
    .from(subjectImages)
    .where(eq(subjectImages.subjectId, subjectId))
    .orderBy(subjectImages.createdAt, subjectImages.id);
  const consentList = await listConsents(db, { subjectIds: [subjectId] });
  return {
    id: s.id,
    name: s.name,
    classWord: s.classWord,
    description: s.description,
    kind: kindOf(s.attributes),
    attributes: s.attributes ?? {},
    createdAt: s.createdAt.toISOString(),
    erasedAt: iso(s.erasedAt),
    canGenerate: consentList.some((c) => c.scope === 'generate' && c.status === 'active'),
    canTrain: consentList.some((c) => c.scope === 'train' && c.status === 'active'),
    images: images.map((i) => ({
      id: i.id,
      dataUrl: pngDataUrl(i.image),
      contentHash: i.contentHash,
      width: i.width,
      height: i.height,
    })),
    consents: consentList,
    lineage: await subjectLineage(db, subjectId),
  };
}

export async function subjectLineage(db: DbOrTx, subjectId: string) {
  const outputs = await executeRows<{
    id: string;
    state: string;
    request_id: string;
    prompt: string;
    created_at: Date | string;
    has_image: boolean;
  }>(
    db,
    sql`select o.id, o.state, o.request_id, r.prompt, o.created_at, (o.image is not null) as has_image
        from outputs o join generation_requests r on r.id = o.request_id
        where o.request_id in (select request_id from generation_request_subjects where subject_id = ${subjectId})
        order by o.created_at desc, o.id`,
  );
  const versions = await executeRows<{
    id: string;
    name: string;
    kind: string;
    state: string;
    created_at: Date | string;
    via: string[] | string;
  }>(
    db,
    sql`with recursive hit(id, via) as (
          select l.model_version_id, case when l.subject_id is not null then 'subject' else 'output' end
          from lineage l
          where l.subject_id = ${subjectId}
             or l.output_id in (select o.id from outputs o where o.request_id in
                  (select request_id from generation_request_subjects where subject_id = ${subjectId}))
          union
          select m.id, 'parent' from model_versions m join hit on m.parent_id = hit.id)
        select m.id, m.name, m.kind, m.state, m.created_at, array_agg(distinct hit.via order by hit.via) as via
        from hit join model_versions m on m.id = hit.id
        group by m.id order by m.created_at desc, m.id`,
  );
  return {
    outputs: outputs.map((o) => ({
      id: o.id,
      state: o.state,
      requestId: o.request_id,
      prompt: o.prompt,
      hasImage: Boolean(o.has_image),
      createdAt: new Date(o.created_at).toISOString(),
    })),
    modelVersions: versions.map((v) => ({
      id: v.id,
      name: v.name,
      kind: v.kind,
      state: v.state,
      /** how the subject reached it: its own images, an output holding it, a parent version */
      via: (Array.isArray(v.via) ? v.via : String(v.via).replace(/[{}]/g, '').split(',')) as (
        'subject' | 'output' | 'parent'
      )[],
      createdAt: new Date(v.created_at).toISOString(),
    })),
  };
}
