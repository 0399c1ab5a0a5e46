import { sessionForArea } from '@/server/session';
import { NoAccess, PageHeader } from '@/ui/kit';
import { AdjudicationView } from './adjudication-view';

export const dynamic = 'force-dynamic';

export default async function AdjudicationPage() {
  if (!(await sessionForArea('review'))) return <NoAccess />;
  return (
    <section>
      <PageHeader title="Adjudication" />
      <AdjudicationView />
    </section>
  );
}
