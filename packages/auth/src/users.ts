import { randomUUID } from 'node:crypto';
import { hashPassword } from 'better-auth/crypto';
import { count, eq } from 'drizzle-orm';
import { writeAudit, type AuditActor, type DbOrTx } from '@musar/db';
import { account, user } from '@musar/db/schema';
import type { Role } from './permissions';

export type NewUser = { email: string; name: string; role: Role; password: string };

/** better-auth's sign-in refuses an e-mail that fails zod's `z.email()`; this is that pattern
 * (zod 4, the copy better-auth resolves). An account created with any other e-mail could never
 * sign in — for the first admin, a locked-out instance. `auth-setup.test.ts` checks the two agree. */
export const EMAIL_PATTERN =
  /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;
export const MAX_EMAIL_LENGTH = 320;
export const MAX_NAME_LENGTH = 200;

/** Why this e-mail / name cannot make an account that signs in, or null. */
export function newUserProblem(input: { email: string; name: string }): string | null {
  const email = input.email.trim().toLowerCase();
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL_PATTERN.test(email))
    return 'Enter a full e-mail address (name@domain.tld)';
  const name = input.name.trim();
  if (name.length < 1 || name.length > MAX_NAME_LENGTH)
    return `Name must be 1 to ${MAX_NAME_LENGTH} characters`;
  return null;
}

/** Creates a user with an e-mail/password account in better-auth's format, and audits it.
 * Pass the transaction that should hold both. */
export async function createUserWithPassword(tx: DbOrTx, input: NewUser, actor: AuditActor) {
  const problem = newUserProblem(input);
  if (problem) throw new Error(problem);
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
