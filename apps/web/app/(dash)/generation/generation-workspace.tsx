'use client';
// Requests with live progress: polls every second while any request is queued or running.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import { Badge, Button, PageHeader } from '@/ui/kit';
import { GenerationForm } from './generation-form';

const TONES = { queued: 'slate', running: 'indigo', succeeded: 'emerald', failed: 'rose', cancelled: 'amber' } as const;

export function GenerationWorkspace() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery({
    ...trpc.generation.list.queryOptions({ limit: 20, offset: 0 }),
    refetchInterval: (q) => (q.state.data?.items.some((r) => r.state === 'queued' || r.state === 'running') ? 1000 : false),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.generation.list.queryKey() });
  const cancel = useMutation(trpc.generation.cancel.mutationOptions({ onSettled: refresh }));
  return (
    <section className="space-y-4">
      <PageHeader title="Generation" />
      <GenerationForm onCreated={refresh} />
      <div className="overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200">
        <table className="min-w-full text-left text-sm" data-testid="generation-requests">
          <thead className="border-b border-slate-200 text-xs text-slate-500 uppercase">
            <tr>
              <th className="px-3 py-2">Prompt</th>
              <th className="px-3 py-2">Subjects</th>
              <th className="px-3 py-2">State</th>
              <th className="px-3 py-2">Progress</th>
              <th className="px-3 py-2">Outputs</th>
              <th className="px-3 py-2" />
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {list.data?.items.map((r) => (
              <tr key={r.id} data-testid="generation-row" data-state={r.state}>
                <td className="px-3 py-2">{r.prompt}</td>
                <td className="px-3 py-2">{r.subjects.map((s) => s.name).join(', ')}</td>
                <td className="px-3 py-2">
                  <Badge tone={TONES[r.state]}>{r.state}</Badge>
                  {r.error ? <div className="text-xs text-rose-700">{r.error}</div> : null}
                </td>
                <td className="px-3 py-2">
                  <progress max={r.totalSteps} value={r.step} aria-label="progress" className="w-32" />
                  <span className="ml-2 text-xs text-slate-600" data-testid="progress-text">
                    step {r.step}/{r.totalSteps}
                  </span>
                </td>
                <td className="px-3 py-2">
                  {r.outputs}/{r.count}
                  {r.state === 'succeeded' ? <span className="ml-1 text-xs text-slate-500">in review queue</span> : null}
                </td>
                <td className="px-3 py-2 text-right">
                  {r.state === 'queued' || r.state === 'running' ? (
                    <Button tone="danger" onClick={() => cancel.mutate({ requestId: r.id })}>
                      Cancel
                    </Button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
