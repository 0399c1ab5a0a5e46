import { sessionForArea } from '@/server/session';
import { Hydrate, serverQueries } from '@/trpc/server';
import { NoAccess, PageHeader } from '@/ui/kit';
import { HISTORY_PAGE } from './history-page';
import { HistoryView } from './history-view';

export const dynamic = 'force-dynamic';

export default async function ReviewHistoryPage() {
  const session = await sessionForArea('review');
  if (!session) return <NoAccess />;
  // the first page of decisions with HistoryView's initial (empty) filter, and my numbers
  const { queryClient, trpc } = serverQueries(session);
  await Promise.all([
    queryClient.prefetchInfiniteQuery(
      trpc.review.insights.history.infiniteQueryOptions(
        { includeUndone: false, limit: HISTORY_PAGE },
        { getNextPageParam: (last) => last.nextCursor ?? undefined },
      ),
    ),
    queryClient.prefetchQuery(trpc.review.insights.myStats.queryOptions()),
  ]);
  return (
    <section>
      <PageHeader title="Review history" />
      <Hydrate client={queryClient}>
        <HistoryView me={session.user.id} />
      </Hydrate>
    </section>
  );
}
