// The model registry: versions with lineage, metrics and state; promotion and rollback. Exactly
// one version per kind serves; promoting or rolling back swaps the pointer in one transaction
// (rows locked, the old one retired) with its audit entry. Tainted and failed versions never serve;
// a candidate serves only after it passed the evaluation gate (metrics.gate.passed).
import { and, desc, eq, isNotNull, sql } from 'drizzle-orm';
import { writeAudit, type Db, type Tx } from '@musar/db';
import { lineage, modelVersions, routingConfigs } from '@musar/db/schema';
import type { SessionUser } from '../common/actor';
import { notFound, ServiceError } from '../common/errors';
import { iso } from '../common/schemas';
import type { TModelVersion } from './schemas';
import {
  servingVersions,
  VERSION_COLUMNS,
  versionColumns,
  type TModelVersionRow,
} from './serving';

type Row = TModelVersionRow;
const actorOf = (u: SessionUser) => ({ id: u.id, email: u.email });

export async function listModels(db: Db): Promise<TModelVersion[]> {
  const rows = await db
    .select(versionColumns(VERSION_COLUMNS))
    .from(modelVersions)
    .orderBy(desc(modelVersions.createdAt));
  const counts = await db
    .select({
      id: lineage.modelVersionId,
      subjects: sql<number>`count(${lineage.subjectId})::int`,
      outputs: sql<number>`count(${lineage.outputId})::int`,
    })
    .from(lineage)
    .groupBy(lineage.modelVersionId);
  const defaults = await db
    .select({ id: routingConfigs.id, mv: routingConfigs.modelVersionId })
    .from(routingConfigs)
    .where(isNotNull(routingConfigs.modelVersionId));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    state: r.state,
    parentId: r.parentId,
    metrics: r.metrics ?? null,
    trainingSteps: r.trainingSteps,
    sizeBytes: r.sizeBytes,
    lineage: {
      subjects: counts.find((c) => c.id === r.id)?.subjects ?? 0,
      outputs: counts.find((c) => c.id === r.id)?.outputs ?? 0,
    },
    defaultRoutingConfigId: defaults.find((d) => d.mv === r.id)?.id ?? null,
    createdAt: r.createdAt.toISOString(),
    promotedAt: iso(r.promotedAt),
    retiredAt: iso(r.retiredAt),
    taintedAt: iso(r.taintedAt),
    taintReason: r.taintReason,
  }));
}

async function lock(tx: Tx, id: string): Promise<Row> {
  const [row] = await tx
    .select(versionColumns(VERSION_COLUMNS))
    .from(modelVersions)
    .where(eq(modelVersions.id, id))
    .for('update');
  if (!row) throw notFound('Model version');
  return row;
}

/** Swaps the serving pointer of the version's kind to it; returns the version it replaced. */
async function serve(tx: Tx, target: Row): Promise<{ id: string } | null> {
  const current = await servingVersions(tx, target.kind, ['id'], { lock: true });
  const now = new Date();
  for (const c of current)
    if (c.id !== target.id)
      await tx
        .update(modelVersions)
        .set({ state: 'retired', retiredAt: now })
        .where(eq(modelVersions.id, c.id));
  await tx
    .update(modelVersions)
    .set({ state: 'serving', promotedAt: now, retiredAt: null })
    .where(eq(modelVersions.id, target.id));
  return current.find((c) => c.id !== target.id) ?? null;
}

function refuseUnservable(row: Row, verb: string) {
  if (row.state === 'tainted')
    throw new ServiceError(
      'PRECONDITION_FAILED',
      `Cannot ${verb} "${row.name}": it is tainted (${row.taintReason ?? 'consent revoked'})`,
    );
  if (row.state === 'failed')
    throw new ServiceError(
      'PRECONDITION_FAILED',
      `Cannot ${verb} "${row.name}": its training or evaluation failed`,
    );
  if (row.state === 'serving')
    throw new ServiceError('CONFLICT', `"${row.name}" is already serving`);
}

export async function promoteModel(db: Db, actor: SessionUser, input: { modelVersionId: string }) {
  await db.transaction(async (tx) => {
    const row = await lock(tx, input.modelVersionId);
    refuseUnservable(row, 'promote');
    const gate = (
      row.metrics as { gate?: { passed?: boolean; sets?: { reasons: string[] }[] } } | null
    )?.gate;
    if (row.kind === 'adapter' && row.state === 'candidate') {
      if (!gate)
        throw new ServiceError(
          'PRECONDITION_FAILED',
          `Cannot promote "${row.name}": it has not been evaluated yet`,
        );
      if (!gate.passed)
        throw new ServiceError(
          'PRECONDITION_FAILED',
          `Cannot promote "${row.name}": it failed the evaluation gate (${(gate.sets ?? []).flatMap((s) => s.reasons).join('; ')})`,
        );
    }
    const replaced = await serve(tx, row);
    await writeAudit(tx, {
      actor: actorOf(actor),
      action: 'model.promote',
      targetType: 'model_version',
      targetId: row.id,
      before: { state: row.state, serving: replaced?.id ?? null },
      after: { state: 'serving', retired: replaced?.id ?? null, gate: gate ?? null },
    });
  });
  return (await listModels(db)).find((m) => m.id === input.modelVersionId)!;
}

/** Back to a version that served before (retired, untainted) in one action. */
export async function rollbackModel(db: Db, actor: SessionUser, input: { modelVersionId: string }) {
  await db.transaction(async (tx) => {
    const row = await lock(tx, input.modelVersionId);
    refuseUnservable(row, 'roll back to');
    if (!row.promotedAt)
      throw new ServiceError(
        'PRECONDITION_FAILED',
        `Cannot roll back to "${row.name}": it has never served (promote a candidate instead)`,
      );
    const replaced = await serve(tx, row);
    await writeAudit(tx, {
      actor: actorOf(actor),
      action: 'model.rollback',
      targetType: 'model_version',
      targetId: row.id,
      before: { state: row.state, serving: replaced?.id ?? null },
      after: { state: 'serving', retired: replaced?.id ?? null },
    });
  });
  return (await listModels(db)).find((m) => m.id === input.modelVersionId)!;
}

/** Versions a rollback may go to: served before, not tainted or failed, not serving now. */
export async function rollbackTargets(db: Db) {
  return db
    .select({ id: modelVersions.id, name: modelVersions.name, kind: modelVersions.kind })
    .from(modelVersions)
    .where(and(eq(modelVersions.state, 'retired'), isNotNull(modelVersions.promotedAt)))
    .orderBy(desc(modelVersions.promotedAt));
}
