import { sessionForArea } from '@/server/session';
import { NoAccess } from '@/ui/kit';
import { ModelRegistry } from './model-registry';

export const dynamic = 'force-dynamic';

export default async function ModelsPage() {
  if (!(await sessionForArea('models'))) return <NoAccess />;
  return <ModelRegistry />;
}
