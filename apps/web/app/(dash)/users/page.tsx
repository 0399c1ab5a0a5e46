import { sessionForArea } from '@/server/session';
import { NoAccess } from '@/ui/kit';
import { UsersTable } from './users-table';

export const dynamic = 'force-dynamic';

export default async function UsersPage() {
  const session = await sessionForArea('users');
  if (!session) return <NoAccess />;
  return <UsersTable currentUserId={session.user.id} />;
}
