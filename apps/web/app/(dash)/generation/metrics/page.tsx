import { sessionForArea } from '@/server/session';
import { Hydrate, serverQueries } from '@/trpc/server';
import { NoAccess } from '@/ui/kit';
import { MetricsCharts } from './metrics-charts';

export const dynamic = 'force-dynamic';

export default async function MetricsPage() {
  const session = await sessionForArea('generation');
  if (!session) return <NoAccess />;
  // MetricsCharts' initial choice: per routing config, by day, the last 30 days
  const { queryClient, trpc } = serverQueries(session);
  await queryClient.prefetchQuery(
    trpc.metrics.overTime.queryOptions({ by: 'routingConfig', bucket: 'day', sinceDays: 30 }),
  );
  return (
    <Hydrate client={queryClient}>
      <MetricsCharts />
    </Hydrate>
  );
}
