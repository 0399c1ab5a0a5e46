import { sessionForArea } from '@/server/session';
import { Hydrate, serverQueries } from '@/trpc/server';
import { NoAccess, PageHeader } from '@/ui/kit';
import { AdjudicationView } from './adjudication-view';

export const dynamic = 'force-dynamic';

export default async function AdjudicationPage() {
  const session = await sessionForArea('review');
  if (!session) return <NoAccess />;
  // the disagreements, the reject reasons, and the first item as AdjudicationView shows it
  const { queryClient, trpc } = serverQueries(session);
  const [items] = await Promise.all([
    queryClient
      .fetchQuery(trpc.review.insights.adjudications.queryOptions())
      .catch(() => undefined),
    queryClient.prefetchQuery(trpc.review.config.queryOptions()),
  ]);
  const first = items?.[0];
  if (first)
    await queryClient.prefetchQuery(trpc.review.item.queryOptions({ outputId: first.outputId }));
  return (
    <section>
      <PageHeader title="Adjudication" />
      <Hydrate client={queryClient}>
        <AdjudicationView />
      </Hydrate>
    </section>
  );
}
