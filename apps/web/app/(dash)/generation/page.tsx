import { sessionForArea } from '@/server/session';
import { NoAccess, PageHeader } from '@/ui/kit';

export const dynamic = 'force-dynamic';

export default async function GenerationPage() {
  if (!(await sessionForArea('generation'))) return <NoAccess />;
  return (
    <section>
      <PageHeader title="Generation & routing" />
      <p className="max-w-prose text-slate-600">
        Routing configurations and generation requests: pick 2–4 subjects with active consent, a
        prompt, a routing config and a count.
      </p>
    </section>
  );
}
