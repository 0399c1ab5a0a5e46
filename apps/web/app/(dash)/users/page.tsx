import { sessionForArea } from '@/server/session';
import { Hydrate, serverQueries } from '@/trpc/server';
import { NoAccess } from '@/ui/kit';
import { UsersTable } from './users-table';

export const dynamic = 'force-dynamic';

export default async function UsersPage() {
  const session = await sessionForArea('users');
  if (!session) return <NoAccess />;
  // the table's first query (no search yet), as UsersTable asks for it
  const { queryClient, trpc } = serverQueries(session);
  await queryClient.prefetchQuery(trpc.users.list.queryOptions({ limit: 200 }));
  return (
    <Hydrate client={queryClient}>
      <UsersTable currentUserId={session.user.id} />
    </Hydrate>
  );
}
