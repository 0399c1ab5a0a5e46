// What training may use, and the lineage record of what it did use. The retrain job calls
// `trainingSet` to pick its data and `recordLineage` in the transaction that stores the new
// version: that call re-asserts `train` consent (FOR SHARE), so a revocation that commits first
// makes it fail (the version is not stored), and one that commits after finds the lineage rows
// and taints the version.
import { sql, type SQL } from 'drizzle-orm';
import { executeRows, writeAudit, type DbOrTx, type Tx } from '@musar/db';
import { lineage } from '@musar/db/schema';
import { ServiceError } from '../common/errors';
import { assertConsent, auditActor, type TActor } from '../consent/consent';
import { consentInForce, outputReadable } from '../generation/output-access';

const activeTrain = (subject: SQL, now?: Date) => consentInForce(subject, 'train', now);

/** Subjects (with reference images) and approved outputs whose every subject has active `train`
 * consent. Withdrawn, rejected and image-less outputs never qualify. */
export async function trainingSet(db: DbOrTx, opts: { now?: Date } = {}) {
  const subjects = await executeRows<{ id: string; trainable: boolean }>(
    db,
    sql`select s.id, ${activeTrain(sql`s.id`, opts.now)} as trainable from subjects s
        where s.erased_at is null and exists (select 1 from subject_images i where i.subject_id = s.id)
        order by s.created_at, s.id`,
  );
  const outputs = await executeRows<{ id: string }>(
    db,
    sql`select o.id from outputs o
        where o.state = 'approved' and ${outputReadable({ scope: 'train', now: opts.now })}
        order by o.created_at, o.id`,
  );
  return {
    subjectIds: subjects.filter((s) => s.trainable).map((s) => s.id),
    excludedSubjectIds: subjects.filter((s) => !s.trainable).map((s) => s.id),
    outputIds: outputs.map((o) => o.id),
  };
}

/** Records what a model version was trained on, after re-checking `train` consent for every
 * subject involved (its own and those of the outputs). Call inside the storing transaction. */
export async function recordLineage(
  tx: Tx,
  actor: TActor,
  input: { modelVersionId: string; subjectIds: string[]; outputIds: string[] },
) {
  const outputs = input.outputIds.length
    ? await executeRows<{ id: string; state: string; subject_ids: string[] | string | null }>(
        tx,
        sql`select o.id, o.state, array(select subject_id from generation_request_subjects g where g.request_id = o.request_id) as subject_ids
            from outputs o where o.id in ${input.outputIds} for share of o`,
      )
    : [];
  const unusable = input.outputIds.filter(
    (id) => outputs.find((o) => o.id === id)?.state !== 'approved',
  );
  if (unusable.length)
    throw new ServiceError(
      'PRECONDITION_FAILED',
      `outputs not approved (or withdrawn): ${unusable.join(', ')}`,
    );
  const viaOutputs = outputs.flatMap((o) =>
    Array.isArray(o.subject_ids)
      ? o.subject_ids
      : String(o.subject_ids ?? '')
          .replace(/[{}]/g, '')
          .split(',')
          .filter(Boolean),
  );
  await assertConsent(tx, [...input.subjectIds, ...viaOutputs], 'train');
  const rows = [
    ...[...new Set(input.subjectIds)].map((subjectId) => ({
      modelVersionId: input.modelVersionId,
      subjectId,
    })),
    ...[...new Set(input.outputIds)].map((outputId) => ({
      modelVersionId: input.modelVersionId,
      outputId,
    })),
  ];
  if (rows.length) await tx.insert(lineage).values(rows);
  await writeAudit(tx, {
    actor: auditActor(actor),
    action: 'model.lineage',
    targetType: 'model_version',
    targetId: input.modelVersionId,
    after: { subjectIds: [...new Set(input.subjectIds)], outputIds: [...new Set(input.outputIds)] },
  });
  return { rows: rows.length };
}
