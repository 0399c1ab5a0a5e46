// Helpers for router tests in any workspace: callers per role on a test database.
import type { Db } from '@musar/db';
import type { SessionUser } from './context';
import { createContextInner } from './context';
import { createCaller } from './root';

export { insertTestUser } from '@musar/core/testing/users';
/** Review items written straight to the database (tests, load tests, the fault suite). */
export { seedReviewItems } from '@musar/core/testing/review-fixtures';

export type Caller = ReturnType<typeof createCaller>;

/** A caller signed in as the user, or signed out (null). */
export function callerFor(db: Db, sessionUser: SessionUser | null): Caller {
  const session = sessionUser ? { id: `session-${sessionUser.id}`, user: sessionUser } : null;
  return createCaller(createContextInner({ db, session }));
}
