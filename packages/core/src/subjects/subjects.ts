// Subjects and their reference images (1–8 each). Images are normalised before the transaction
// (CPU work holds no locks); duplicates — the same normalised picture — are refused within one
// subject AND across subjects, since a photo shared by two subjects would escape one's revocation.
import { and, count, eq, inArray, isNull } from 'drizzle-orm';
import { writeAudit, type Db, type Tx } from '@musar/db';
import { auditLog, subjectImages, subjects } from '@musar/db/schema';
import {
  classWord,
  encodeRgbPng,
  generateSubject,
  renderReference,
  REFERENCE_VIEW,
  type TView,
} from '@musar/toyworld';
import { notFound, ServiceError } from '../common/errors';
import { auditActor, actorId, type TActor } from '../consent/consent';
import { grantConsent } from '../consent/grant';
import {
  normaliseReferenceImage,
  REFERENCE_SIZE,
  sha256,
  type TReferenceImage,
} from './reference-image';

export const MAX_REFERENCE_IMAGES = 8;
export const SUBJECT_KINDS = ['product', 'mascot', 'person', 'toy'] as const;
export type TSubjectKind = (typeof SUBJECT_KINDS)[number];
type Normalised = Pick<TReferenceImage, 'png' | 'width' | 'height' | 'contentHash'> & {
  source: unknown;
};

export type TCreateSubject = {
  name: string;
  kind: TSubjectKind;
  classWord: string;
  description?: string;
  images: Uint8Array[];
};

export async function createSubject(db: Db, actor: TActor, input: TCreateSubject) {
  if (input.images.length < 1 || input.images.length > MAX_REFERENCE_IMAGES) {
    throw new ServiceError(
      'BAD_REQUEST',
      `a subject needs 1 to ${MAX_REFERENCE_IMAGES} reference images`,
    );
  }
  const images: Normalised[] = [];
  for (const [i, bytes] of input.images.entries())
    images.push(await normaliseReferenceImage(bytes, `image ${i + 1}`));
  return insertSubject(db, actor, { ...input, attributes: { kind: input.kind } }, images);
}

/** A toy-world subject for demos: `views` reference renders of the subject of `seed`. */
export async function createToySubject(
  db: Db,
  actor: TActor,
  input: { seed: number; views: number; name?: string },
) {
  const spec = generateSubject(input.seed);
  const images: Normalised[] = toyViews(input.views).map((view) => {
    const png = encodeRgbPng(renderReference(spec, REFERENCE_SIZE, view));
    return {
      png,
      width: REFERENCE_SIZE,
      height: REFERENCE_SIZE,
      contentHash: sha256(png),
      source: { toyworld: view },
    };
  });
  const name = input.name ?? `${spec.body} ${spec.shape} #${input.seed}`;
  return insertSubject(
    db,
    actor,
    { name, classWord: classWord(spec.shape), attributes: { kind: 'toy', toyworld: spec } },
    images,
  );
}

/** The canonical reference view first, then small, distinct variations (scale and rotation). */
function toyViews(n: number): TView[] {
  return Array.from({ length: n }, (_, i) =>
    i === 0
      ? REFERENCE_VIEW
      : {
          ...REFERENCE_VIEW,
          scale: 0.8 - 0.04 * (i % 3),
          rotation: (i % 2 ? 1 : -1) * 0.05 * Math.ceil(i / 2),
        },
  );
}

async function insertSubject(
  db: Db,
  actor: TActor,
  s: { name: string; classWord: string; description?: string; attributes: Record<string, unknown> },
  images: Normalised[],
) {
  assertDistinct(images);
  return db.transaction(async (tx) => {
    await assertNotElsewhere(tx, images);
    const [subject] = await tx
      .insert(subjects)
      .values({
        name: s.name,
        classWord: s.classWord,
        description: s.description ?? null,
        attributes: s.attributes,
        createdBy: actorId(actor),
      })
      .returning();
    const rows = await tx
      .insert(subjectImages)
      .values(
        images.map((img) => ({
          subjectId: subject!.id,
          image: img.png,
          mimeType: 'image/png',
          width: img.width,
          height: img.height,
          contentHash: img.contentHash,
          createdBy: actorId(actor),
        })),
      )
      .returning({ id: subjectImages.id, contentHash: subjectImages.contentHash });
    await writeAudit(tx, {
      actor: auditActor(actor),
      action: 'subject.create',
      targetType: 'subject',
      targetId: subject!.id,
      after: {
        name: s.name,
        classWord: s.classWord,
        attributes: s.attributes,
        images: rows.map((r, i) => ({ ...r, source: images[i]!.source })),
      },
    });
    return { id: subject!.id, imageIds: rows.map((r) => r.id) };
  });
}

function assertDistinct(images: Normalised[]) {
  const seen = new Map<string, number>();
  images.forEach((img, i) => {
    const first = seen.get(img.contentHash);
    if (first !== undefined)
      throw new ServiceError(
        'BAD_REQUEST',
        `image ${i + 1} is the same picture as image ${first + 1}; nothing was stored`,
      );
    seen.set(img.contentHash, i);
  });
}

/** Refuses pictures that are already a reference of a (not erased) subject. */
async function assertNotElsewhere(tx: Tx, images: Normalised[]) {
  const [dup] = await tx
    .select({ name: subjects.name, hash: subjectImages.contentHash })
    .from(subjectImages)
    .innerJoin(subjects, eq(subjects.id, subjectImages.subjectId))
    .where(
      and(
        inArray(
          subjectImages.contentHash,
          images.map((i) => i.contentHash),
        ),
        isNull(subjects.erasedAt),
      ),
    )
    .limit(1);
  if (dup) {
    const i = images.findIndex((img) => img.contentHash === dup.hash);
    throw new ServiceError(
      'CONFLICT',
      `image ${i + 1} is already a reference image of subject "${dup.name}"; nothing was stored`,
    );
  }
}

async function lockLiveSubject(tx: Tx, subjectId: string) {
  const [subject] = await tx
    .select()
    .from(subjects)
    .where(eq(subjects.id, subjectId))
    .for('update');
  if (!subject) throw notFound('Subject');
  if (subject.erasedAt) throw new ServiceError('CONFLICT', 'The subject was erased');
  return subject;
}

export async function addSubjectImage(
  db: Db,
  actor: TActor,
  input: { subjectId: string; image: Uint8Array },
) {
  const img = await normaliseReferenceImage(input.image);
  return db.transaction(async (tx) => {
    await lockLiveSubject(tx, input.subjectId);
    const [n] = await tx
      .select({ n: count() })
      .from(subjectImages)
      .where(eq(subjectImages.subjectId, input.subjectId));
    if ((n?.n ?? 0) >= MAX_REFERENCE_IMAGES)
      throw new ServiceError(
        'CONFLICT',
        `a subject has at most ${MAX_REFERENCE_IMAGES} reference images`,
      );
    await assertNotElsewhere(tx, [img]);
    const [row] = await tx
      .insert(subjectImages)
      .values({
        subjectId: input.subjectId,
        image: img.png,
        width: img.width,
        height: img.height,
        contentHash: img.contentHash,
        createdBy: actorId(actor),
      })
      .returning({ id: subjectImages.id });
    await writeAudit(tx, {
      actor: auditActor(actor),
      action: 'subject.add_image',
      targetType: 'subject',
      targetId: input.subjectId,
      after: { imageId: row!.id, contentHash: img.contentHash, source: img.source },
    });
    return { id: row!.id };
  });
}

export async function removeSubjectImage(
  db: Db,
  actor: TActor,
  input: { subjectId: string; imageId: string },
) {
  return db.transaction(async (tx) => {
    await lockLiveSubject(tx, input.subjectId);
    const [n] = await tx
      .select({ n: count() })
      .from(subjectImages)
      .where(eq(subjectImages.subjectId, input.subjectId));
    if ((n?.n ?? 0) <= 1)
      throw new ServiceError(
        'CONFLICT',
        'a subject keeps at least one reference image (erase the subject instead)',
      );
    const [gone] = await tx
      .delete(subjectImages)
      .where(and(eq(subjectImages.id, input.imageId), eq(subjectImages.subjectId, input.subjectId)))
      .returning({ id: subjectImages.id, contentHash: subjectImages.contentHash });
    if (!gone) throw notFound('Image');
    await writeAudit(tx, {
      actor: auditActor(actor),
      action: 'subject.remove_image',
      targetType: 'subject',
      targetId: input.subjectId,
      before: { imageId: gone.id, contentHash: gone.contentHash },
    });
    return { id: gone.id };
  });
}

/** The demo's toy subjects (toy-world seeds; no person): a purple star, a red heart and a green
 * square toy, matching the README's prompts. */
export const DEMO_SUBJECTS = [
  { seed: 6, name: 'Purple star' },
  { seed: 7, name: 'Red heart' },
  { seed: 16, name: 'Green square' },
] as const;

/** Demo mode, first start: a few toy subjects with `generate` and `train` consent, so an operator
 * can generate at once. Each step is audited as usual (subject.create, consent.grant, by
 * `system`) and a `demo.subjects` entry marks them as demo data. Runs once per database: never
 * again after that entry exists (an admin who erases them does not get them back), and never on
 * a database that already has subjects. */
export async function seedDemoSubjects(db: Db): Promise<{ created: string[] }> {
  const [done] = await db
    .select({ n: count() })
    .from(auditLog)
    .where(eq(auditLog.action, 'demo.subjects'));
  const [existing] = await db.select({ n: count() }).from(subjects);
  if ((done?.n ?? 0) > 0 || (existing?.n ?? 0) > 0) return { created: [] };
  const created: string[] = [];
  for (const s of DEMO_SUBJECTS) {
    const subject = await createToySubject(db, 'system', { seed: s.seed, views: 2, name: s.name });
    for (const scope of ['generate', 'train'] as const)
      await grantConsent(db, 'system', {
        subjectId: subject.id,
        scope,
        grantedBy: 'Demo data (toy-world subject, not a person)',
        evidence: 'Demo data created on the first start in demo mode (MUSAR_DEMO=1).',
      });
    created.push(subject.id);
  }
  await writeAudit(db, {
    actor: 'system',
    action: 'demo.subjects',
    targetType: 'subject',
    after: { subjectIds: created, demo: true, note: 'toy subjects with demo consent' },
  });
  return { created };
}
