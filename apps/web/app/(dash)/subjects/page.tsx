import { sessionForArea } from '@/server/session';
import { NoAccess } from '@/ui/kit';
import { SubjectsList } from './subjects-list';

export const dynamic = 'force-dynamic';

export default async function SubjectsPage() {
  if (!(await sessionForArea('subjects'))) return <NoAccess />;
  return <SubjectsList />;
}
