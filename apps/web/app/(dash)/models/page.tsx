import { sessionForArea } from '@/server/session';
import { Hydrate, serverQueries } from '@/trpc/server';
import { NoAccess } from '@/ui/kit';
import { ModelRegistry } from './model-registry';

export const dynamic = 'force-dynamic';

export default async function ModelsPage() {
  const session = await sessionForArea('models');
  if (!session) return <NoAccess />;
  const { queryClient, trpc } = serverQueries(session);
  await Promise.all([
    queryClient.prefetchQuery(trpc.models.list.queryOptions()),
    queryClient.prefetchQuery(trpc.models.retrainStatus.queryOptions()),
  ]);
  return (
    <Hydrate client={queryClient}>
      <ModelRegistry />
    </Hydrate>
  );
}
