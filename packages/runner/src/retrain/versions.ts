// Shared by the retrain and evaluate consumers: model versions and their weights.
import { eq } from 'drizzle-orm';
import type { Db } from '@musar/db';
import { modelVersions } from '@musar/db/schema';
import { baseVersion } from '@musar/core/models/ancestry';
import type { TWeights } from './types';

export type TVersionRow = typeof modelVersions.$inferSelect;
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
export const byId = async (db: Db, id: string) =>
  (await db.select().from(modelVersions).where(eq(modelVersions.id, id)))[0];

/** The base and adapter weights of a version (an adapter's parents lead to its base). */
export async function weightsOf(db: Db, version: TVersionRow): Promise<TWeights> {
  const base = await baseVersion(db, version.id, ['checkpoint', 'config']);
  if (!base?.checkpoint)
    throw new Error(`model version "${version.name}" has no stored base checkpoint`);
  if (version.kind === 'adapter' && !version.checkpoint)
    throw new Error(`adapter "${version.name}" has no stored checkpoint`);
  return {
    baseWeights: base.checkpoint,
    baseConfig: base.config,
    adapter: version.kind === 'adapter' ? version.checkpoint : null,
  };
}
