import { roleCan } from '@musar/auth/permissions';
import { requireSession } from '@/server/session';
import { Hydrate, serverQueries } from '@/trpc/server';
import { NoAccess, PageHeader } from '@/ui/kit';
import { StrengthTable } from './strength-table';

export const dynamic = 'force-dynamic';

/** Operators (routing:read): reviewers' routing-weight feedback per routing config. */
export default async function StrengthPage() {
  const session = await requireSession();
  if (!roleCan(session.user.role, { routing: ['read'] })) return <NoAccess />;
  const { queryClient, trpc } = serverQueries(session);
  await queryClient.prefetchQuery(trpc.review.insights.strengthSuggestions.queryOptions());
  return (
    <section>
      <PageHeader title="Routing strength suggestions" />
      <Hydrate client={queryClient}>
        <StrengthTable />
      </Hydrate>
    </section>
  );
}
