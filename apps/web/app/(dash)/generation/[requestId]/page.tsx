import { sessionForArea } from '@/server/session';
import { NoAccess } from '@/ui/kit';
import { RequestDetail } from './request-detail';

export const dynamic = 'force-dynamic';

export default async function RequestPage({ params }: { params: Promise<{ requestId: string }> }) {
  if (!(await sessionForArea('generation'))) return <NoAccess />;
  const { requestId } = await params;
  return <RequestDetail requestId={requestId} />;
}
