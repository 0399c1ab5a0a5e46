// Shared by the retrain and evaluate consumers: model versions and their weights.
import { eq } from 'drizzle-orm';
import type { Db } from '@musar/db';
import { modelVersions } from '@musar/db/schema';
import { baseVersion } from '@musar/core/models/ancestry';
import { readCheckpoint } from '@musar/core/models/checkpoint-io';
import { VERSION_COLUMNS, versionColumns, type TModelVersionRow } from '@musar/core/models/serving';
import { versionSampling } from '../generation/model-source';
import type { TWeights } from './types';

/** A version's row without its checkpoint (weightsOf reads that in pieces). */
export type TVersionRow = TModelVersionRow;
export type TFeedbackJob = {
  id: string;
  data: unknown;
  name?: string;
  retryCount?: number;
  retryLimit?: number;
};
export type TFeedbackDeps = {
  db: Db;
  env?: Record<string, string | undefined>;
  /** Running retrains by candidate id: the runner's stop listener (RETRAIN_CANCEL_CHANNEL) calls these. */
  stops?: Map<string, () => void>;
  /** How often a running retrain re-reads its candidate's state (fallback to the notification). */
  watchMs?: number;
};

export const num = (v: string | undefined, d: number) =>
  Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : d;
export const byId = async (db: Db, id: string): Promise<TVersionRow | undefined> =>
  (
    await db
      .select(versionColumns(VERSION_COLUMNS))
      .from(modelVersions)
      .where(eq(modelVersions.id, id))
  )[0];

/** The base and adapter weights of a version (an adapter's parents lead to its base) and its guidance. */
export async function weightsOf(db: Db, version: TVersionRow): Promise<TWeights> {
  const base = await baseVersion(db, version.id, ['id', 'config']);
  const baseWeights = base ? await readCheckpoint(db, base.id) : null;
  if (!base || !baseWeights)
    throw new Error(`model version "${version.name}" has no stored base checkpoint`);
  const adapter = version.kind === 'adapter' ? await readCheckpoint(db, version.id) : null;
  if (version.kind === 'adapter' && !adapter)
    throw new Error(`adapter "${version.name}" has no stored checkpoint`);
  // The version's own card decides its guidance, as in generation (versionSampling).
  const guidance = versionSampling(version)?.guidance ?? null;
  return { baseWeights, baseConfig: base.config, adapter, guidance };
}
