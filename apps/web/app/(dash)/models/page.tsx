import { sessionForArea } from '@/server/session';
import { NoAccess, PageHeader } from '@/ui/kit';

export const dynamic = 'force-dynamic';

export default async function ModelsPage() {
  if (!(await sessionForArea('models'))) return <NoAccess />;
  return (
    <section>
      <PageHeader title="Models" />
      <p className="max-w-prose text-slate-600">
        Model versions (base and adapters), retraining jobs, evaluation against the serving version,
        promotion and rollback.
      </p>
    </section>
  );
}
