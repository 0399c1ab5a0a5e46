// Which weights a generation uses: the requested version, else the serving adapter (on its base),
// else the serving base, else — until a trained checkpoint is stored — a freshly initialised
// `tiny` model (its images are noise-like; the runner logs a warning when it falls back).
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '@musar/db';
import { modelVersions } from '@musar/db/schema';
import type { TModelSource } from '../thread/types';
import { PermanentError } from './store';

type Row = typeof modelVersions.$inferSelect;

export type TResolvedModel = { source: TModelSource; modelVersionId: string | null; fresh: boolean };

async function byId(db: Db, id: string): Promise<Row | undefined> {
  const [row] = await db.select().from(modelVersions).where(eq(modelVersions.id, id));
  return row;
}

async function serving(db: Db, kind: 'base' | 'adapter'): Promise<Row | undefined> {
  const [row] = await db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.kind, kind), eq(modelVersions.state, 'serving')))
    .orderBy(desc(modelVersions.promotedAt))
    .limit(1);
  return row;
}

function fromRows(base: Row, adapter: Row | null): TResolvedModel {
  if (!base.checkpoint) throw new PermanentError(`model version "${base.name}" has no stored checkpoint`);
  if (adapter && !adapter.checkpoint) throw new PermanentError(`adapter "${adapter.name}" has no stored checkpoint`);
  return {
    source: { kind: 'checkpoint', key: `${base.id}+${adapter?.id ?? ''}`, config: base.config, base: base.checkpoint, adapter: adapter?.checkpoint ?? null },
    modelVersionId: (adapter ?? base).id,
    fresh: false,
  };
}

export async function resolveModel(db: Db, requested: string | null): Promise<TResolvedModel> {
  const chosen = requested ? await byId(db, requested) : ((await serving(db, 'adapter')) ?? (await serving(db, 'base')));
  if (requested && !chosen) throw new PermanentError(`model version ${requested} does not exist`);
  if (chosen && (chosen.state === 'tainted' || chosen.state === 'failed'))
    throw new PermanentError(`model version "${chosen.name}" is ${chosen.state}`);
  if (!chosen) return { source: { kind: 'fresh', key: 'fresh:tiny:0', preset: 'tiny', seed: 0 }, modelVersionId: null, fresh: true };
  if (chosen.kind === 'base') return fromRows(chosen, null);
  // An adapter's parent is its base, or the adapter a retrain continued: walk up to the base.
  let base: Row | undefined = chosen;
  for (let depth = 0; base && base.kind !== 'base' && depth < 50; depth++)
    base = base.parentId ? await byId(db, base.parentId) : await serving(db, 'base');
  if (!base || base.kind !== 'base') throw new PermanentError(`adapter "${chosen.name}" has no base model stored`);
  return fromRows(base, chosen);
}
