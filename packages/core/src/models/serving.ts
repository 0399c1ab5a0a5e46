// Which model version is serving: the one query for it. Generation's default model, the
// retrain's parent, routing validation, promotion and the revocation cascade all ask here.
// Callers pick the columns they need; the checkpoint (megabytes) is never one of them: it is read
// in pieces by checkpoint-io.ts.
import { and, desc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { DbOrTx } from '@musar/db';
import { modelVersions } from '@musar/db/schema';

/** A row of model_versions without its checkpoint (readCheckpoint reads that). */
export type TModelVersionRow = Omit<typeof modelVersions.$inferSelect, 'checkpoint'>;
export type TModelKind = TModelVersionRow['kind'];
export type TVersionColumn = keyof TModelVersionRow;

const COLUMNS = getTableColumns(modelVersions);
/** Every column of model_versions but the checkpoint: one statement never carries a whole
 * checkpoint (on the embedded database that stalled the web process for a quarter second). */
export const VERSION_COLUMNS = (Object.keys(COLUMNS) as (keyof typeof COLUMNS)[]).filter(
  (c): c is TVersionColumn => c !== 'checkpoint',
);

/** A select list of the named columns of model_versions (never the checkpoint). */
export function versionColumns<K extends TVersionColumn>(keys: readonly K[]) {
  return Object.fromEntries(keys.map((k) => [k, COLUMNS[k]])) as {
    [P in K]: (typeof COLUMNS)[P];
  };
}

/**
 * The versions of `kind` in state `serving`, newest promotion first (never-promoted rows last).
 * The registry keeps one per kind, so this is one row or none; `lock` takes them FOR UPDATE
 * (promotion retires every one it finds).
 */
export async function servingVersions<K extends TVersionColumn = TVersionColumn>(
  db: DbOrTx,
  kind: TModelKind,
  columns: readonly K[] = VERSION_COLUMNS as K[],
  opts: { lock?: boolean } = {},
): Promise<Pick<TModelVersionRow, K>[]> {
  const query = db
    .select(versionColumns(columns))
    .from(modelVersions)
    .where(and(eq(modelVersions.kind, kind), eq(modelVersions.state, 'serving')))
    .orderBy(
      sql`${modelVersions.promotedAt} desc nulls last`,
      desc(modelVersions.createdAt),
      desc(modelVersions.id),
    );
  const rows = opts.lock ? await query.for('update') : await query;
  return rows as Pick<TModelVersionRow, K>[];
}

/** The serving version of `kind`, or null. */
export async function servingVersion<K extends TVersionColumn = TVersionColumn>(
  db: DbOrTx,
  kind: TModelKind,
  columns: readonly K[] = VERSION_COLUMNS as K[],
): Promise<Pick<TModelVersionRow, K> | null> {
  return (await servingVersions(db, kind, columns))[0] ?? null;
}

/** The version a generation runs on when it names none: the serving adapter, else the serving
 * base; null = none serves (the worker then uses a freshly initialised tiny model). */
export async function servingGenerationVersion<K extends TVersionColumn = TVersionColumn>(
  db: DbOrTx,
  columns: readonly K[] = VERSION_COLUMNS as K[],
): Promise<Pick<TModelVersionRow, K> | null> {
  return (
    (await servingVersion(db, 'adapter', columns)) ?? (await servingVersion(db, 'base', columns))
  );
}
