import { sessionForArea } from '@/server/session';
import { NoAccess } from '@/ui/kit';
import { SubjectDetail } from './subject-detail';

export const dynamic = 'force-dynamic';

export default async function SubjectPage({ params }: { params: Promise<{ subjectId: string }> }) {
  if (!(await sessionForArea('subjects'))) return <NoAccess />;
  const { subjectId } = await params;
  return <SubjectDetail subjectId={subjectId} />;
}
