import { and, desc, lt, type SQL } from 'drizzle-orm';
import type { Db } from '@musar/db';
import { auditLog } from '@musar/db/schema';
import { auditWhere, type TAuditCsvFilter } from './audit-csv';

/** action, actionPrefix, targetType, targetId, actorId, from, to — the same filter as the CSV export. */
export type AuditFilter = TAuditCsvFilter & {
  /** id of the last entry of the previous page */
  cursor?: number;
  limit: number;
};

/** Newest first, keyset-paginated by id. */
export async function listAudit(db: Db, f: AuditFilter) {
  const where: (SQL | undefined)[] = [auditWhere(f)];
  if (f.cursor !== undefined) where.push(lt(auditLog.id, f.cursor));
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  return {
    items: page.map((r) => ({ ...r, at: r.at.toISOString() })),
    nextCursor: rows.length > f.limit ? (page.at(-1)?.id ?? null) : null,
  };
}
