import { sessionForArea } from '@/server/session';
import { Kbd, NoAccess, PageHeader } from '@/ui/kit';
import { ReviewWorkspace } from './review-workspace';

export const dynamic = 'force-dynamic';

export default async function ReviewPage() {
  if (!(await sessionForArea('review'))) return <NoAccess />;
  return (
    <section>
      <PageHeader title="Review">
        <span className="text-xs text-slate-500">
          Press <Kbd>?</Kbd> for keys
        </span>
      </PageHeader>
      <ReviewWorkspace />
    </section>
  );
}
