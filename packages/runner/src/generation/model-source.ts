// Which weights a generation uses: the requested version, else the serving adapter (on its base),
// else the serving base, else — until a trained checkpoint is stored — a freshly initialised
// `tiny` model (its images are noise-like; the runner logs a warning when it falls back).
import { eq } from 'drizzle-orm';
import type { Db } from '@musar/db';
import { modelVersions } from '@musar/db/schema';
import {
  servingGenerationVersion,
  servingVersion,
  VERSION_COLUMNS,
  versionColumns,
  type TModelVersionRow,
} from '@musar/core/models/serving';
import { baseVersion } from '@musar/core/models/ancestry';
import { readCheckpoint } from '@musar/core/models/checkpoint-io';
import { assertRoutingFits, routingShapeOf } from '@musar/model/routing';
import { parseCardSampling, type TModelSampling } from '@musar/model/sampling';
import type { TRoutingOverrides } from '@musar/core/generation/routing-params';
import type { TModelSource } from '../thread/types';
import { PermanentError } from './store';

type Row = TModelVersionRow;

export type TResolvedModel = {
  source: TModelSource;
  modelVersionId: string | null;
  fresh: boolean;
  /** The chosen version's own sampling defaults (its model card's `sampling`), or null. */
  sampling: TModelSampling | null;
};

/**
 * A version's sampling defaults from its stored model card. The chosen version's card decides —
 * an adapter's, not its base's (the scales are tuned with the adapter). A card whose `sampling`
 * is invalid can never run: a PermanentError naming the version.
 */
export function versionSampling(row: Pick<Row, 'name' | 'modelCard'>): TModelSampling | null {
  try {
    return parseCardSampling(row.modelCard, `model version "${row.name}"`) ?? null;
  } catch (error) {
    throw new PermanentError((error as Error).message);
  }
}

async function byId(db: Db, id: string): Promise<Row | undefined> {
  const [row] = await db
    .select(versionColumns(VERSION_COLUMNS))
    .from(modelVersions)
    .where(eq(modelVersions.id, id));
  return row;
}

/** The rows' weights, read in pieces (readCheckpoint). */
async function fromRows(db: Db, base: Row, adapter: Row | null): Promise<TResolvedModel> {
  const sampling = versionSampling(adapter ?? base);
  const baseWeights = await readCheckpoint(db, base.id);
  if (!baseWeights)
    throw new PermanentError(`model version "${base.name}" has no stored checkpoint`);
  const adapterWeights = adapter ? await readCheckpoint(db, adapter.id) : null;
  if (adapter && !adapterWeights)
    throw new PermanentError(`adapter "${adapter.name}" has no stored checkpoint`);
  return {
    source: {
      kind: 'checkpoint',
      key: `${base.id}+${adapter?.id ?? ''}`,
      config: base.config,
      base: baseWeights,
      adapter: adapterWeights,
    },
    modelVersionId: (adapter ?? base).id,
    fresh: false,
    sampling,
  };
}

export async function resolveModel(db: Db, requested: string | null): Promise<TResolvedModel> {
  const chosen = requested ? await byId(db, requested) : await servingGenerationVersion(db);
  if (requested && !chosen) throw new PermanentError(`model version ${requested} does not exist`);
  if (chosen && (chosen.state === 'tainted' || chosen.state === 'failed'))
    throw new PermanentError(`model version "${chosen.name}" is ${chosen.state}`);
  if (!chosen)
    return {
      source: { kind: 'fresh', key: 'fresh:tiny:0', preset: 'tiny', seed: 0 },
      modelVersionId: null,
      fresh: true,
      sampling: null,
    };
  if (chosen.kind === 'base') return fromRows(db, chosen, null);
  // The adapter runs on its base; one whose parents reach no base runs on the serving base.
  const base = (await baseVersion(db, chosen.id)) ?? (await servingVersion(db, 'base'));
  if (!base) throw new PermanentError(`adapter "${chosen.name}" has no base model stored`);
  return fromRows(db, base, chosen);
}

/** Routing the model rejects (a strength per subject, a layer under its depth, a map of its grid:
 * the base's config, or the tiny preset of a fresh model) can never run: a PermanentError, so the
 * job fails at once instead of being retried. The values were parsed with the job's payload. */
export function assertRoutingFitsModel(
  source: TModelSource,
  routing: TRoutingOverrides,
  subjects: number,
): void {
  const shape = routingShapeOf(source.kind === 'checkpoint' ? source.config : undefined);
  try {
    assertRoutingFits(routing, { subjects, ...shape });
  } catch (error) {
    throw new PermanentError(
      `the model rejects the routing parameters: ${(error as Error).message}`,
    );
  }
}
