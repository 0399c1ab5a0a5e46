import { sessionForArea } from '@/server/session';
import { NoAccess, PageHeader } from '@/ui/kit';

export const dynamic = 'force-dynamic';

export default async function ReviewPage() {
  if (!(await sessionForArea('review'))) return <NoAccess />;
  return (
    <section>
      <PageHeader title="Review" />
      <p className="max-w-prose text-slate-600">
        The review queue: claim the next output, compare it with the subjects' references and its
        routing overlay, approve or reject with reasons, repaint the routing map.
      </p>
    </section>
  );
}
