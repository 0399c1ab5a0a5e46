import { sessionForArea } from '@/server/session';
import { Hydrate, serverQueries } from '@/trpc/server';
import { NoAccess } from '@/ui/kit';
import { SubjectDetail } from './subject-detail';

export const dynamic = 'force-dynamic';

export default async function SubjectPage({ params }: { params: Promise<{ subjectId: string }> }) {
  const session = await sessionForArea('subjects');
  if (!session) return <NoAccess />;
  const { subjectId } = await params;
  const { queryClient, trpc } = serverQueries(session);
  await queryClient.prefetchQuery(trpc.subjects.get.queryOptions({ subjectId }));
  return (
    <Hydrate client={queryClient}>
      <SubjectDetail subjectId={subjectId} />
    </Hydrate>
  );
}
