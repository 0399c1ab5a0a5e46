// Erasure: a separate, confirmed action. It revokes whatever consent is left (full cascade, both
// scopes), then deletes every image byte of the subject — its reference images, every output
// image that holds it, its consents' evidence files — keeping the rows (ids, hashes, states) that
// lineage and the audit log refer to. Audit entries never carry image data.
import { eq, isNull, and, sql } from 'drizzle-orm';
import { executeRows, writeAudit, type Db } from '@musar/db';
import { consents, subjectImages, subjects } from '@musar/db/schema';
import { notFound, ServiceError } from '../common/errors';
import { auditActor, CONSENT_SCOPES, type TActor } from './consent';
import { revokeRows } from './revoke';

export async function eraseSubject(
  db: Db,
  actor: TActor,
  input: { subjectId: string; confirmName: string; reason: string },
) {
  return db.transaction(async (tx) => {
    // Lock order as in every revocation: consent rows first, then the subject row.
    await tx
      .select({ id: consents.id })
      .from(consents)
      .where(and(eq(consents.subjectId, input.subjectId), isNull(consents.revokedAt)))
      .orderBy(consents.id)
      .for('update');
    const [subject] = await tx
      .select()
      .from(subjects)
      .where(eq(subjects.id, input.subjectId))
      .for('update');
    if (!subject) throw notFound('Subject');
    if (subject.erasedAt)
      return {
        alreadyErased: true,
        erasedImages: 0,
        erasedOutputIds: [] as string[],
        cascade: null,
      };
    if (input.confirmName.trim() !== subject.name) {
      throw new ServiceError(
        'BAD_REQUEST',
        `To erase, type the subject's name exactly ("${subject.name}")`,
      );
    }
    const open = await tx
      .select()
      .from(consents)
      .where(and(eq(consents.subjectId, subject.id), isNull(consents.revokedAt)))
      .orderBy(consents.id)
      .for('update');
    const reason = `erasure: ${input.reason}`;
    const { cascade } = await revokeRows(tx, open, {
      actor,
      reason,
      subjectId: subject.id,
      forceScopes: [...CONSENT_SCOPES],
    });
    const outputs = await executeRows<{ id: string }>(
      tx,
      sql`update outputs set image = null, state = 'withdrawn', withdrawn_reason = ${reason},
                 leased_by = null, lease_expires_at = null
          where image is not null
            and request_id in (select request_id from generation_request_subjects where subject_id = ${subject.id})
          returning id`,
    );
    const evidence = await tx
      .update(consents)
      .set({ evidenceFile: null })
      .where(and(eq(consents.subjectId, subject.id), sql`${consents.evidenceFile} is not null`))
      .returning({ id: consents.id });
    const images = await tx
      .delete(subjectImages)
      .where(eq(subjectImages.subjectId, subject.id))
      .returning({ id: subjectImages.id, contentHash: subjectImages.contentHash });
    await tx
      .update(subjects)
      .set({ erasedAt: new Date(), updatedAt: new Date() })
      .where(eq(subjects.id, subject.id));
    await writeAudit(tx, {
      actor: auditActor(actor),
      action: 'subject.erase',
      targetType: 'subject',
      targetId: subject.id,
      before: {
        name: subject.name,
        images: images.map((i) => ({ id: i.id, contentHash: i.contentHash })),
      },
      after: {
        erasedImages: images.length,
        erasedOutputImageIds: outputs.map((o) => o.id),
        erasedEvidenceFileConsentIds: evidence.map((e) => e.id),
        reason: input.reason,
      },
    });
    return {
      alreadyErased: false,
      erasedImages: images.length,
      erasedOutputIds: outputs.map((o) => o.id),
      cascade,
    };
  });
}
