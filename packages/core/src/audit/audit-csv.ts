// The audit log as CSV (RFC 4180), for the admin's export. Quoting is four lines, so it is written
// here rather than pulled in as a dependency; cells that a spreadsheet would run as a formula
// (=, +, -, @ first) are prefixed with an apostrophe (OWASP CSV injection advice).
import { and, asc, eq, gte, like, lt, type SQL } from 'drizzle-orm';
import type { Db } from '@musar/db';
import { auditLog } from '@musar/db/schema';

export const MAX_AUDIT_CSV_ROWS = 50_000;

export type TAuditCsvFilter = {
  action?: string;
  /** e.g. `consent.` for every consent action */
  actionPrefix?: string;
  targetType?: string;
  targetId?: string;
  actorId?: string;
  from?: Date;
  to?: Date;
};

export function auditWhere(f: TAuditCsvFilter): SQL | undefined {
  const where: SQL[] = [];
  if (f.action) where.push(eq(auditLog.action, f.action));
  if (f.actionPrefix)
    where.push(like(auditLog.action, `${f.actionPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
  if (f.targetType) where.push(eq(auditLog.targetType, f.targetType));
  if (f.targetId) where.push(eq(auditLog.targetId, f.targetId));
  if (f.actorId) where.push(eq(auditLog.actorId, f.actorId));
  if (f.from) where.push(gte(auditLog.at, f.from));
  if (f.to) where.push(lt(auditLog.at, f.to));
  return and(...where);
}

export function csvCell(value: unknown): string {
  let s =
    value === null || value === undefined
      ? ''
      : typeof value === 'string'
        ? value
        : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const HEADER = [
  'id',
  'at',
  'actor',
  'actor_id',
  'action',
  'target_type',
  'target_id',
  'before',
  'after',
];

/** Oldest first, at most MAX_AUDIT_CSV_ROWS rows; `truncated` says when there were more. */
export async function auditCsv(db: Db, filter: TAuditCsvFilter) {
  const rows = await db
    .select()
    .from(auditLog)
    .where(auditWhere(filter))
    .orderBy(asc(auditLog.id))
    .limit(MAX_AUDIT_CSV_ROWS + 1);
  const lines = [HEADER.join(',')];
  for (const r of rows.slice(0, MAX_AUDIT_CSV_ROWS)) {
    lines.push(
      [
        r.id,
        r.at.toISOString(),
        r.actorLabel,
        r.actorId,
        r.action,
        r.targetType,
        r.targetId,
        r.before,
        r.after,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return {
    csv: `${lines.join('\r\n')}\r\n`,
    rows: Math.min(rows.length, MAX_AUDIT_CSV_ROWS),
    truncated: rows.length > MAX_AUDIT_CSV_ROWS,
  };
}
