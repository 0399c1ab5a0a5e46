import { redirect } from 'next/navigation';
import { areasFor } from '@musar/auth/areas';
import { requireSession } from '@/server/session';

export const dynamic = 'force-dynamic';

/** Home: the first area of the user's role. */
export default async function Home() {
  const { user } = await requireSession();
  const first = areasFor(user.role)[0];
  if (first) redirect(first.href);
  return <p>Your account has no role with an area yet. Ask an admin.</p>;
}
