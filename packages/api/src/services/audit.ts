import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Db } from '@musar/db';
import { auditLog } from '@musar/db/schema';

export type AuditFilter = {
  action?: string;
  targetType?: string;
  targetId?: string;
  actorId?: string;
  /** id of the last entry of the previous page */
  cursor?: number;
  limit: number;
};

/** Newest first, keyset-paginated by id. */
export async function listAudit(db: Db, f: AuditFilter) {
  const where: SQL[] = [];
  if (f.action) where.push(eq(auditLog.action, f.action));
  if (f.targetType) where.push(eq(auditLog.targetType, f.targetType));
  if (f.targetId) where.push(eq(auditLog.targetId, f.targetId));
  if (f.actorId) where.push(eq(auditLog.actorId, f.actorId));
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
