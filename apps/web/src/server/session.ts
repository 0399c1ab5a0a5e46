import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { areasFor, type Area } from '@musar/auth/areas';
import { createCaller, createContextInner, type Session } from '@musar/api';
import { getServices } from './services';

/** The signed-in user of this request, or a redirect to the sign-in page. */
export async function requireSession(): Promise<Session> {
  const { auth } = await getServices();
  const found = await auth.api.getSession({ headers: await headers() });
  if (!found) redirect('/sign-in');
  const { user } = found;
  return {
    id: found.session.id,
    user: {
      id: user.id,
      email: user.email,
      name: user.name,
      role: user.role ?? null,
      banned: Boolean(user.banned),
    },
  };
}

/** The session if its role may see the area, else null (the page shows "no access"). */
export async function sessionForArea(id: Area['id']): Promise<Session | null> {
  const session = await requireSession();
  return areasFor(session.user.role).some((a) => a.id === id) ? session : null;
}

/** A server-side tRPC caller for this request's user: same checks as over HTTP. */
export async function serverCaller(session: Session) {
  const { handle } = await getServices();
  return createCaller(createContextInner({ db: handle.db, session }));
}
