// Routing configs: named, versioned dynamic-routing parameter sets. A config must satisfy the job
// payload's schema (strict: an unknown key is refused) and the model's own `parseRoutingParams`
// (NaN, out of range, a routing layer the model does not have, strength of the wrong length).
// Saving a name again makes its next version; rows are never edited.
import { and, desc, eq, max } from 'drizzle-orm';
import { writeAudit, type Db, type DbOrTx } from '@musar/db';
import { routingConfigs } from '@musar/db/schema';
// Subpaths, not the package index: the web server bundles this file, and the index pulls in the
// compute backends (webgpu, tfjs-node-gpu) that only the worker's threads load.
import { getPreset } from '@musar/model/config';
import { parseRoutingParams } from '@musar/model/routing';
import { describeZodError, ZRoutingOverrides } from '../jobs/payloads';
import type { SessionUser } from '../common/actor';
import { notFound, ServiceError } from '../common/errors';
import type { TRoutingConfig } from './routing-schemas';
import { servingGenerationVersion } from '../models/serving';
import { versionChain } from '../models/ancestry';

const actorOf = (u: SessionUser) => ({ id: u.id, email: u.email });

/** The shape routing parameters must fit: the depth (transformer blocks) and the patch grid of the
 * model version's config, walking from an adapter to its base; without one, the tiny preset the
 * worker falls back to. */
export async function modelShape(
  db: DbOrTx,
  modelVersionId: string | null,
): Promise<{ depth: number; grid: number }> {
  const chain = modelVersionId ? await versionChain(db, modelVersionId) : [];
  if (modelVersionId && chain.length === 0) throw notFound('Model version');
  for (const link of chain) {
    const cfg = (link.config ?? {}) as {
      depth?: unknown;
      imageSize?: unknown;
      patchSize?: unknown;
    };
    const depth = Number(cfg.depth);
    if (Number.isInteger(depth) && depth > 0) {
      const grid = Number(cfg.imageSize) / Number(cfg.patchSize);
      return { depth, grid: Number.isInteger(grid) && grid > 0 ? grid : presetGrid() };
    }
  }
  return { depth: getPreset('tiny').depth, grid: presetGrid() };
}

const presetGrid = () => {
  const p = getPreset('tiny');
  return p.imageSize / p.patchSize;
};

export async function modelDepth(db: DbOrTx, modelVersionId: string | null): Promise<number> {
  return (await modelShape(db, modelVersionId)).depth;
}

/** Refuses, at request time, routing the model the request will run on rejects (a strength per
 * subject, layers under its depth, a fixed map of its grid) — the worker would otherwise only
 * find out when the job runs. */
export async function assertRoutingForModel(
  db: DbOrTx,
  routing: unknown,
  opts: { subjects: number; modelVersionId?: string | null },
) {
  // unnamed: the version the worker resolves (the serving adapter, else base; null = tiny)
  const modelVersionId =
    opts.modelVersionId === undefined
      ? ((await servingGenerationVersion(db, ['id']))?.id ?? null)
      : opts.modelVersionId;
  const shape = await modelShape(db, modelVersionId);
  try {
    parseRoutingParams(routing, { subjects: opts.subjects, ...shape });
  } catch (error) {
    throw new ServiceError(
      'BAD_REQUEST',
      `Invalid routing parameters for the model: ${(error as Error).message}`,
    );
  }
}

/** Refuses invalid parameters with one readable message; returns the validated overrides. */
export function validateRoutingParams(params: unknown, depth: number) {
  const parsed = ZRoutingOverrides.safeParse(params);
  if (!parsed.success)
    throw new ServiceError(
      'BAD_REQUEST',
      `Invalid routing parameters: ${describeZodError(parsed.error)}`,
    );
  const subjects = parsed.data.strength?.length ?? 2;
  try {
    parseRoutingParams(parsed.data, { subjects, grid: 8, depth });
  } catch (error) {
    throw new ServiceError(
      'BAD_REQUEST',
      `Invalid routing parameters: ${(error as Error).message}`,
    );
  }
  return parsed.data;
}

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
  input: { name: string; params: Record<string, unknown>; modelVersionId?: string },
): Promise<TRoutingConfig> {
  const params = validateRoutingParams(
    input.params,
    await modelDepth(db, input.modelVersionId ?? null),
  );
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
    validateRoutingParams(cfg.params, await modelDepth(tx, input.modelVersionId));
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
