import { randomUUID } from 'node:crypto';
import { hashPassword } from 'better-auth/crypto';
import { count, eq } from 'drizzle-orm';
import { writeAudit, type AuditActor, type DbOrTx } from '@musar/db';
import { account, user } from '@musar/db/schema';
import type { Role } from './permissions';

export type NewUser = { email: string; name: string; role: Role; password: string };

/** Creates a user with an e-mail/password account in better-auth's format, and audits it.
 * Pass the transaction that should hold both. */
export async function createUserWithPassword(tx: DbOrTx, input: NewUser, actor: AuditActor) {
  const id = randomUUID();
  const email = input.email.trim().toLowerCase();
  const [created] = await tx
    .insert(user)
    .values({ id, email, name: input.name, role: input.role, emailVerified: true })
    .returning();
  await tx.insert(account).values({
    id: randomUUID(),
    accountId: id,
    providerId: 'credential',
    userId: id,
    password: await hashPassword(input.password),
  });
  await writeAudit(tx, {
    actor,
    action: 'user.create',
    targetType: 'user',
    targetId: id,
    after: { email, name: input.name, role: input.role },
  });
  return created!;
}

export async function countUsers(db: DbOrTx): Promise<number> {
  const [row] = await db.select({ n: count() }).from(user);
  return row?.n ?? 0;
}

export async function findUserByEmail(db: DbOrTx, email: string) {
  const [row] = await db.select().from(user).where(eq(user.email, email.trim().toLowerCase()));
  return row;
}
