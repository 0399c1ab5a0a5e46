import { sessionForArea } from '@/server/session';
import { NoAccess } from '@/ui/kit';
import { GenerationWorkspace } from './generation-workspace';

export const dynamic = 'force-dynamic';

export default async function GenerationPage() {
  if (!(await sessionForArea('generation'))) return <NoAccess />;
  return <GenerationWorkspace />;
}
