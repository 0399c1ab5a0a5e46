// Routing configs (named, versioned dynamic-routing parameter sets; saving a name again makes its
// next version, rows are never edited) and the check every routing parameter set passes before it
// is stored or queued: the product's schema at the boundary (routing-params.ts) and then the fit
// to the model it will run on — routing layers under its depth, a strength per subject, its patch
// grid — read from that version's stored config (assertRoutingForModel).
import { and, desc, eq, max } from 'drizzle-orm';
import { writeAudit, type Db, type DbOrTx } from '@musar/db';
import { routingConfigs } from '@musar/db/schema';
// A subpath, not the package index: the web server bundles this file, and the index pulls in the
// compute backends (webgpu, tfjs-node-gpu) that only the worker's threads load.
import { assertRoutingFits, routingShapeOf, type TRoutingShape } from '@musar/model/routing';
import { describeZodError } from '../jobs/payloads';
import type { SessionUser } from '../common/actor';
import { notFound, ServiceError } from '../common/errors';
import type { TRoutingConfig } from './routing-schemas';
import { ZRoutingOverrides, type TRoutingOverrides } from './routing-params';
import { servingGenerationVersion } from '../models/serving';
import { versionChain } from '../models/ancestry';

const actorOf = (u: SessionUser) => ({ id: u.id, email: u.email });

/** The depth and patch grid of a model version: the first stored config on its way up to its base
 * that gives them; without a version (none serves), the tiny preset the worker falls back to. */
export async function modelShape(
  db: DbOrTx,
  modelVersionId: string | null,
): Promise<TRoutingShape> {
  if (!modelVersionId) return routingShapeOf();
  const chain = await versionChain(db, modelVersionId);
  if (chain.length === 0) throw notFound('Model version');
  return routingShapeOf(...chain.map((l) => l.config));
}

/** Refuses routing the model version rejects (a strength per subject, layers under its depth, its
 * grid), so a request or a config never reaches a worker that would only find out when the job
 * runs. `modelVersionId` undefined: the version a generation runs on when it names none (the
 * serving adapter, else the serving base; none = the tiny preset). */
export async function assertRoutingForModel(
  db: DbOrTx,
  routing: TRoutingOverrides,
  opts: { subjects: number; modelVersionId?: string | null },
): Promise<void> {
  const modelVersionId =
    opts.modelVersionId === undefined
      ? ((await servingGenerationVersion(db, ['id']))?.id ?? null)
      : opts.modelVersionId;
  const shape = await modelShape(db, modelVersionId);
  try {
    assertRoutingFits(routing, { subjects: opts.subjects, ...shape });
  } catch (error) {
    throw new ServiceError(
      'BAD_REQUEST',
      `Invalid routing parameters for the model: ${(error as Error).message}`,
    );
  }
}

/** A stored config's parameters read back from the database (a boundary: the row may predate the
 * schema), or BAD_REQUEST naming `what`. */
export function parseStoredRouting(params: unknown, what: string): TRoutingOverrides {
  const parsed = ZRoutingOverrides.safeParse(params);
  if (!parsed.success)
    throw new ServiceError('BAD_REQUEST', `${what}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** Subjects a config is checked for: one per strength entry when it sets them, else 2. */
const subjectsOf = (params: TRoutingOverrides) => params.strength?.length ?? 2;

const view = (r: typeof routingConfigs.$inferSelect): TRoutingConfig => ({
  id: r.id,
  name: r.name,
  version: r.version,
  params: r.params,
  defaultFor: r.modelVersionId,
  createdAt: r.createdAt.toISOString(),
});

export async function listRoutingConfigs(db: Db): Promise<TRoutingConfig[]> {
  const rows = await db
    .select()
    .from(routingConfigs)
    .orderBy(routingConfigs.name, desc(routingConfigs.version));
  return rows.map(view);
}

export async function createRoutingConfig(
  db: Db,
  actor: SessionUser,
  input: { name: string; params: TRoutingOverrides; modelVersionId?: string },
): Promise<TRoutingConfig> {
  const { params } = input;
  await assertRoutingForModel(db, params, {
    subjects: subjectsOf(params),
    modelVersionId: input.modelVersionId,
  });
  return db.transaction(async (tx) => {
    const [last] = await tx
      .select({ v: max(routingConfigs.version) })
      .from(routingConfigs)
      .where(eq(routingConfigs.name, input.name));
    const version = (last?.v ?? 0) + 1;
    const [row] = await tx
      .insert(routingConfigs)
      .values({ name: input.name, version, params, createdBy: actor.id })
      .returning();
    await writeAudit(tx, {
      actor: actorOf(actor),
      action: 'routing.create',
      targetType: 'routing_config',
      targetId: row!.id,
      after: { name: input.name, version, params },
    });
    return view(row!);
  });
}

/** Makes the config the default of the model version (the one it was validated against). */
export async function setDefaultRoutingConfig(
  db: Db,
  actor: SessionUser,
  input: { routingConfigId: string; modelVersionId: string },
) {
  return db.transaction(async (tx) => {
    const [cfg] = await tx
      .select()
      .from(routingConfigs)
      .where(eq(routingConfigs.id, input.routingConfigId))
      .for('update');
    if (!cfg) throw notFound('Routing config');
    const params = parseStoredRouting(cfg.params, `routing config "${cfg.name}"`);
    await assertRoutingForModel(tx, params, {
      subjects: subjectsOf(params),
      modelVersionId: input.modelVersionId,
    });
    const [previous] = await tx
      .select({ id: routingConfigs.id })
      .from(routingConfigs)
      .where(eq(routingConfigs.modelVersionId, input.modelVersionId));
    await tx
      .update(routingConfigs)
      .set({ modelVersionId: null })
      .where(and(eq(routingConfigs.modelVersionId, input.modelVersionId)));
    const [row] = await tx
      .update(routingConfigs)
      .set({ modelVersionId: input.modelVersionId })
      .where(eq(routingConfigs.id, cfg.id))
      .returning();
    await writeAudit(tx, {
      actor: actorOf(actor),
      action: 'routing.set_default',
      targetType: 'model_version',
      targetId: input.modelVersionId,
      before: { routingConfigId: previous?.id ?? null },
      after: { routingConfigId: cfg.id },
    });
    return view(row!);
  });
}

/** The default routing config of a model version, if one is set. */
export async function defaultRoutingConfig(db: DbOrTx, modelVersionId: string) {
  const [row] = await db
    .select()
    .from(routingConfigs)
    .where(eq(routingConfigs.modelVersionId, modelVersionId));
  return row ? view(row) : null;
}
