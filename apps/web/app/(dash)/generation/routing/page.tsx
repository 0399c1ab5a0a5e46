import { sessionForArea } from '@/server/session';
import { NoAccess } from '@/ui/kit';
import { RoutingWorkspace } from './routing-workspace';

export const dynamic = 'force-dynamic';

export default async function RoutingPage() {
  if (!(await sessionForArea('generation'))) return <NoAccess />;
  return <RoutingWorkspace />;
}
