import { sessionForArea } from '@/server/session';
import { Hydrate, serverQueries } from '@/trpc/server';
import { NoAccess } from '@/ui/kit';
import { RequestDetail } from './request-detail';

export const dynamic = 'force-dynamic';

export default async function RequestPage({ params }: { params: Promise<{ requestId: string }> }) {
  const session = await sessionForArea('generation');
  if (!session) return <NoAccess />;
  const { requestId } = await params;
  const { queryClient, trpc } = serverQueries(session);
  await Promise.all([
    queryClient.prefetchQuery(trpc.generation.get.queryOptions({ requestId })),
    queryClient.prefetchQuery(trpc.generation.outputs.queryOptions({ requestId })),
  ]);
  return (
    <Hydrate client={queryClient}>
      <RequestDetail requestId={requestId} />
    </Hydrate>
  );
}
