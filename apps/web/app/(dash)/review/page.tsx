import { sessionForArea } from '@/server/session';
import { Hydrate, serverQueries } from '@/trpc/server';
import { Kbd, NoAccess, PageHeader } from '@/ui/kit';
import { ReviewWorkspace } from './review-workspace';

export const dynamic = 'force-dynamic';

export default async function ReviewPage() {
  const session = await sessionForArea('review');
  if (!session) return <NoAccess />;
  // the reject reasons; the queue itself stays in the browser: review.next is a mutation that
  // leases items, not something a page render may do
  const { queryClient, trpc } = serverQueries(session);
  await queryClient.prefetchQuery(trpc.review.config.queryOptions());
  return (
    <section>
      <PageHeader title="Review">
        <span className="text-xs text-slate-500">
          Press <Kbd>?</Kbd> for keys
        </span>
      </PageHeader>
      <Hydrate client={queryClient}>
        <ReviewWorkspace />
      </Hydrate>
    </section>
  );
}
