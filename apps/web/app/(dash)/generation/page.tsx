import { sessionForArea } from '@/server/session';
import { Hydrate, serverQueries } from '@/trpc/server';
import { NoAccess } from '@/ui/kit';
import { GenerationWorkspace } from './generation-workspace';

export const dynamic = 'force-dynamic';

export default async function GenerationPage() {
  const session = await sessionForArea('generation');
  if (!session) return <NoAccess />;
  // the request list and the form's subject picker, as the workspace asks for them
  const { queryClient, trpc } = serverQueries(session);
  await Promise.all([
    queryClient.prefetchQuery(trpc.generation.list.queryOptions({ limit: 20, offset: 0 })),
    queryClient.prefetchQuery(
      trpc.subjects.list.queryOptions({ usableFor: 'generate', limit: 200, offset: 0 }),
    ),
  ]);
  return (
    <Hydrate client={queryClient}>
      <GenerationWorkspace />
    </Hydrate>
  );
}
