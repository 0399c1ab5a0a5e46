import { sessionForArea } from '@/server/session';
import { NoAccess, PageHeader } from '@/ui/kit';
import { HistoryView } from './history-view';

export const dynamic = 'force-dynamic';

export default async function ReviewHistoryPage() {
  const session = await sessionForArea('review');
  if (!session) return <NoAccess />;
  return (
    <section>
      <PageHeader title="Review history" />
      <HistoryView me={session.user.id} />
    </section>
  );
}
