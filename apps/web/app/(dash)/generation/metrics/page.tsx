import { sessionForArea } from '@/server/session';
import { NoAccess } from '@/ui/kit';
import { MetricsCharts } from './metrics-charts';

export const dynamic = 'force-dynamic';

export default async function MetricsPage() {
  if (!(await sessionForArea('generation'))) return <NoAccess />;
  return <MetricsCharts />;
}
