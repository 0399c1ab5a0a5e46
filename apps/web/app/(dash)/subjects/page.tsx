import { sessionForArea } from '@/server/session';
import { Hydrate, serverQueries } from '@/trpc/server';
import { NoAccess } from '@/ui/kit';
import { SubjectsList } from './subjects-list';

export const dynamic = 'force-dynamic';

export default async function SubjectsPage() {
  const session = await sessionForArea('subjects');
  if (!session) return <NoAccess />;
  // the list's first query (no search yet), as SubjectsList asks for it
  const { queryClient, trpc } = serverQueries(session);
  await queryClient.prefetchQuery(trpc.subjects.list.queryOptions({ limit: 200 }));
  return (
    <Hydrate client={queryClient}>
      <SubjectsList />
    </Hydrate>
  );
}
