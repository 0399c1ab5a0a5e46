// User administration. Each change and its audit entry commit in one transaction.
import { and, count, desc, eq, ilike, or, sql } from 'drizzle-orm';
import { writeAudit, type Db, type Tx } from '@musar/db';
import { session, user } from '@musar/db/schema';
import { createUserWithPassword, type NewUser, type Role } from '@musar/auth';
import type { SessionUser } from '../common/actor';
import { notFound, ServiceError } from '../common/errors';
import { containsPattern } from '../common/like';
import { iso, type TUser } from '../common/schemas';

type UserRow = typeof user.$inferSelect;
const actorOf = (u: SessionUser) => ({ id: u.id, email: u.email });

export function toUser(row: UserRow): TUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role ?? null,
    banned: Boolean(row.banned),
    banReason: row.banReason ?? null,
    banExpires: iso(row.banExpires),
    createdAt: row.createdAt.toISOString(),
  };
}

export async function listUsers(db: Db, input: { search?: string; limit: number; offset: number }) {
  const where = input.search
    ? or(
        ilike(user.email, containsPattern(input.search)),
        ilike(user.name, containsPattern(input.search)),
      )
    : undefined;
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(user)
      .where(where)
      .orderBy(desc(user.createdAt), user.email)
      .limit(input.limit)
      .offset(input.offset),
    db.select({ n: count() }).from(user).where(where),
  ]);
  return { items: rows.map(toUser), total: total?.n ?? 0 };
}

/** Locks and returns the target user, or NOT_FOUND. */
async function lockUser(tx: Tx, userId: string): Promise<UserRow> {
  const [row] = await tx.select().from(user).where(eq(user.id, userId)).for('update');
  if (!row) throw notFound('User');
  return row;
}

export async function setRole(db: Db, actor: SessionUser, input: { userId: string; role: Role }) {
  return db.transaction(async (tx) => {
    const target = await lockUser(tx, input.userId);
    if (target.id === actor.id)
      throw new ServiceError('FORBIDDEN', 'You cannot change your own role');
    if (target.role === input.role) return toUser(target);
    if (target.role === 'admin') await assertAnotherAdmin(tx, target.id);
    const [updated] = await tx
      .update(user)
      .set({ role: input.role, updatedAt: new Date() })
      .where(eq(user.id, target.id))
      .returning();
    await writeAudit(tx, {
      actor: actorOf(actor),
      action: 'user.set_role',
      targetType: 'user',
      targetId: target.id,
      before: { role: target.role },
      after: { role: input.role },
    });
    return toUser(updated!);
  });
}

export async function banUser(
  db: Db,
  actor: SessionUser,
  input: { userId: string; reason: string; expiresInSeconds?: number },
) {
  return db.transaction(async (tx) => {
    const target = await lockUser(tx, input.userId);
    if (target.id === actor.id) throw new ServiceError('FORBIDDEN', 'You cannot ban yourself');
    if (target.role === 'admin' && !target.banned) await assertAnotherAdmin(tx, target.id);
    const banExpires = input.expiresInSeconds
      ? new Date(Date.now() + input.expiresInSeconds * 1000)
      : null;
    const [updated] = await tx
      .update(user)
      .set({ banned: true, banReason: input.reason, banExpires, updatedAt: new Date() })
      .where(eq(user.id, target.id))
      .returning();
    // A ban takes effect now: the user's sessions end with it.
    await tx.delete(session).where(eq(session.userId, target.id));
    await writeAudit(tx, {
      actor: actorOf(actor),
      action: 'user.ban',
      targetType: 'user',
      targetId: target.id,
      before: banState(target),
      after: banState(updated!),
    });
    return toUser(updated!);
  });
}

export async function unbanUser(db: Db, actor: SessionUser, input: { userId: string }) {
  return db.transaction(async (tx) => {
    const target = await lockUser(tx, input.userId);
    if (!target.banned) return toUser(target);
    const [updated] = await tx
      .update(user)
      .set({ banned: false, banReason: null, banExpires: null, updatedAt: new Date() })
      .where(eq(user.id, target.id))
      .returning();
    await writeAudit(tx, {
      actor: actorOf(actor),
      action: 'user.unban',
      targetType: 'user',
      targetId: target.id,
      before: banState(target),
      after: banState(updated!),
    });
    return toUser(updated!);
  });
}

export async function createUser(db: Db, actor: SessionUser, input: NewUser) {
  return db.transaction(async (tx) => {
    const [existing] = await tx
      .select({ id: user.id })
      .from(user)
      .where(eq(user.email, input.email.trim().toLowerCase()));
    if (existing) throw new ServiceError('CONFLICT', 'A user with this e-mail exists');
    return toUser(await createUserWithPassword(tx, input, actorOf(actor)));
  });
}

const banState = (row: UserRow) => ({
  banned: Boolean(row.banned),
  banReason: row.banReason ?? null,
  banExpires: iso(row.banExpires),
});

/** Keeps at least one active admin, so nobody locks the platform out. */
async function assertAnotherAdmin(tx: Tx, exceptUserId: string) {
  const [row] = await tx
    .select({ n: count() })
    .from(user)
    .where(
      and(
        eq(user.role, 'admin'),
        sql`coalesce(${user.banned}, false) = false`,
        sql`${user.id} <> ${exceptUserId}`,
      ),
    );
  if (!row || row.n === 0)
    throw new ServiceError('CONFLICT', 'The last active admin must stay an admin');
}
