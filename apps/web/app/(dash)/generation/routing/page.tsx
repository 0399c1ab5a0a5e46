import { sessionForArea } from '@/server/session';
import { Hydrate, serverQueries } from '@/trpc/server';
import { NoAccess } from '@/ui/kit';
import { RoutingWorkspace } from './routing-workspace';

export const dynamic = 'force-dynamic';

export default async function RoutingPage() {
  const session = await sessionForArea('generation');
  if (!session) return <NoAccess />;
  // the configs, the models (the serving one) and the preview's subject picker
  const { queryClient, trpc } = serverQueries(session);
  await Promise.all([
    queryClient.prefetchQuery(trpc.routing.list.queryOptions()),
    queryClient.prefetchQuery(trpc.models.list.queryOptions()),
    queryClient.prefetchQuery(
      trpc.subjects.list.queryOptions({ usableFor: 'generate', limit: 200, offset: 0 }),
    ),
  ]);
  return (
    <Hydrate client={queryClient}>
      <RoutingWorkspace />
    </Hydrate>
  );
}
