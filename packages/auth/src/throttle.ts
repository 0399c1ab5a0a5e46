// Per-account sign-in throttle, kept in the database (so every process and replica shares it, and
// no client-supplied header can reset it): after MAX_FAILURES failed sign-ins for one e-mail
// within WINDOW_MS, further attempts for it are refused (429) without checking the password, until
// the oldest failure leaves the window. A successful sign-in clears the account's failures.
// Failures are rows of better-auth's `verification` table (identifier `musar:sign-in-failure:<email>`,
// one row per failure, expiring with the window); the lock itself is an audit entry.
import { randomUUID } from 'node:crypto';
import { and, asc, count, eq, gt, like, lte } from 'drizzle-orm';
import { writeAudit, type Db } from '@musar/db';
import { verification } from '@musar/db/schema';

export const SIGN_IN_MAX_FAILURES = 5;
export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;

const PREFIX = 'musar:sign-in-failure:';
const identifierOf = (email: string) => `${PREFIX}${email.trim().toLowerCase()}`;

/** Null when the account may try now, else the seconds until it may. */
export async function signInLockedFor(db: Db, email: string, now = new Date()) {
  const identifier = identifierOf(email);
  const live = and(eq(verification.identifier, identifier), gt(verification.expiresAt, now));
  const [row] = await db.select({ n: count() }).from(verification).where(live);
  if ((row?.n ?? 0) < SIGN_IN_MAX_FAILURES) return null;
  const [oldest] = await db
    .select({ expiresAt: verification.expiresAt })
    .from(verification)
    .where(live)
    .orderBy(asc(verification.expiresAt))
    .limit(1);
  return Math.max(
    1,
    Math.ceil(((oldest?.expiresAt.getTime() ?? now.getTime()) - now.getTime()) / 1000),
  );
}

/** Records a failed sign-in; the failure that locks the account is audited with it. */
export async function recordSignInFailure(db: Db, email: string, now = new Date()) {
  const identifier = identifierOf(email);
  await db.transaction(async (tx) => {
    // expired failures of every account go (the table never grows past one window's failures)
    await tx
      .delete(verification)
      .where(and(like(verification.identifier, `${PREFIX}%`), lte(verification.expiresAt, now)));
    await tx.insert(verification).values({
      id: randomUUID(),
      identifier,
      value: 'failure',
      expiresAt: new Date(now.getTime() + SIGN_IN_WINDOW_MS),
    });
    const [row] = await tx
      .select({ n: count() })
      .from(verification)
      .where(and(eq(verification.identifier, identifier), gt(verification.expiresAt, now)));
    if ((row?.n ?? 0) === SIGN_IN_MAX_FAILURES)
      await writeAudit(tx, {
        actor: 'system',
        action: 'auth.sign_in_locked',
        targetType: 'account',
        targetId: email.trim().toLowerCase().slice(0, 320),
        after: { failures: SIGN_IN_MAX_FAILURES, windowMinutes: SIGN_IN_WINDOW_MS / 60_000 },
      });
  });
}

export async function clearSignInFailures(db: Db, email: string) {
  await db.delete(verification).where(eq(verification.identifier, identifierOf(email)));
}
