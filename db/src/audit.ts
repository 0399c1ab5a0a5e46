import { auditLog } from './schema/audit';
import type { DbOrTx } from './client';

export type AuditActor = { id: string; email: string } | 'system';

export type AuditEntry = {
  actor: AuditActor;
  /** dotted verb, e.g. `user.set_role`, `consent.revoke` */
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
};

/** Appends one audit entry. Call it with the transaction that makes the change, so the change
 * and its entry commit (or roll back) together. */
export async function writeAudit(tx: DbOrTx, entry: AuditEntry): Promise<void> {
  const actor = entry.actor === 'system' ? null : entry.actor;
  await tx.insert(auditLog).values({
    actorId: actor?.id ?? null,
    actorLabel: actor?.email ?? 'system',
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
  });
}
