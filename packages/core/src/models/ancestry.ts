// The walk up a model version's parents to its base: the one implementation. An adapter's parent
// is its base, or the adapter a retrain continued; the weights it runs on are its base's plus its
// own, its shape is its base's, and what it was trained on is the lineage of its whole chain.
import { eq, sql } from 'drizzle-orm';
import { executeRows, type DbOrTx } from '@musar/db';
import { modelVersions } from '@musar/db/schema';
import {
  VERSION_COLUMNS,
  versionColumns,
  type TModelKind,
  type TModelVersionRow,
  type TVersionColumn,
} from './serving';

/** Most parent links followed (a guard against a cycle in corrupt data). */
export const MAX_VERSION_HOPS = 50;

export type TVersionLink = {
  id: string;
  kind: TModelKind;
  parentId: string | null;
  /** The version's model config (small JSON; the checkpoint is not read). */
  config: Record<string, unknown> | null;
};

/**
 * The version `id` and its parents up to and including its base: [version, parent, …, base], in
 * one query. Stops at the first base, at a version without a parent, or after MAX_VERSION_HOPS links;
 * [] when `id` does not exist.
 */
export async function versionChain(db: DbOrTx, id: string): Promise<TVersionLink[]> {
  const rows = await executeRows<{
    id: string;
    kind: TModelKind;
    parent_id: string | null;
    config: Record<string, unknown> | null;
  }>(
    db,
    sql`with recursive up(id, kind, parent_id, config, hop) as (
          select id, kind, parent_id, config, 0 from model_versions where id = ${id}
          union all
          select m.id, m.kind, m.parent_id, m.config, up.hop + 1
          from model_versions m join up on m.id = up.parent_id
          where up.kind <> 'base' and up.hop < ${MAX_VERSION_HOPS}
        )
        select id::text as id, kind::text as kind, parent_id::text as parent_id, config
        from up order by hop`,
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, parentId: r.parent_id, config: r.config }));
}

/** The base the version runs on (itself when it is one), with the columns asked for (the whole
 * row but the checkpoint by default: readCheckpoint); null when its chain reaches no base (an adapter without a parent). */
export async function baseVersion<K extends TVersionColumn = TVersionColumn>(
  db: DbOrTx,
  id: string,
  columns: readonly K[] = VERSION_COLUMNS as K[],
): Promise<Pick<TModelVersionRow, K> | null> {
  const base = (await versionChain(db, id)).at(-1);
  if (base?.kind !== 'base') return null;
  const [row] = await db
    .select(versionColumns(columns))
    .from(modelVersions)
    .where(eq(modelVersions.id, base.id));
  return (row as Pick<TModelVersionRow, K> | undefined) ?? null;
}
