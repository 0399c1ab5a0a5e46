import type { Db } from '@musar/db';
import type { Auth } from '@musar/auth';

import type { SessionUser } from '@musar/core/common/actor';

export type { SessionUser };
export type Session = { id: string; user: SessionUser };

export type Context = { db: Db; session: Session | null };

/** A context without a request: tests and server-side callers. */
export function createContextInner(opts: { db: Db; session: Session | null }): Context {
  return { db: opts.db, session: opts.session };
}

/** The context of an HTTP request: the better-auth session from its cookies. */
export async function createContext(opts: {
  db: Db;
  auth: Auth;
  headers: Headers;
}): Promise<Context> {
  const found = await opts.auth.api.getSession({ headers: opts.headers });
  const session: Session | null = found
    ? {
        id: found.session.id,
        user: {
          id: found.user.id,
          email: found.user.email,
          name: found.user.name,
          role: found.user.role ?? null,
          banned: Boolean(found.user.banned),
        },
      }
    : null;
  return createContextInner({ db: opts.db, session });
}
