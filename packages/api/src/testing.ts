// Helpers for router tests in any workspace: a clean database per file and callers per role.
import { randomUUID } from 'node:crypto';
import type { Db } from '@musar/db';
import { user } from '@musar/db/schema';
import type { Role } from '@musar/auth/permissions';
import type { SessionUser } from './context';
import { createContextInner } from './context';
import { createCaller } from './root';

export type Caller = ReturnType<typeof createCaller>;

/** Inserts a user with the role (no password: tests call procedures directly). */
export async function insertTestUser(
  db: Db,
  role: Role | null,
  name?: string,
): Promise<SessionUser> {
  const id = randomUUID();
  const email = `${role ?? 'none'}-${id.slice(0, 8)}@test.local`;
  await db.insert(user).values({ id, email, name: name ?? `Test ${role}`, role });
  return { id, email, name: name ?? `Test ${role}`, role, banned: false };
}

/** A caller signed in as the user, or signed out (null). */
export function callerFor(db: Db, sessionUser: SessionUser | null): Caller {
  const session = sessionUser ? { id: `session-${sessionUser.id}`, user: sessionUser } : null;
  return createCaller(createContextInner({ db, session }));
}

/** Review items written straight to the database (tests, load tests, the fault suite). */
export { seedReviewItems } from './services/review-fixtures';
