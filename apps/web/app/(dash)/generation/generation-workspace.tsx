'use client';
// Requests with live progress (polled every second while any is queued or running), the images
// each produced with their review state, and the export of approved images.
import Link from 'next/link';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import { formatWhen, stateLabel } from '@/ui/format';
import { Badge, Button, EmptyState, PageHeader, Table } from '@/ui/kit';
import { GenerationForm } from './generation-form';
import { progressText, stepCostText } from './progress';
import { OutputThumbs } from './request-outputs';

export const REQUEST_TONE = {
  queued: 'slate',
  running: 'indigo',
  succeeded: 'emerald',
  failed: 'rose',
  cancelled: 'amber',
} as const;

export function GenerationWorkspace() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery({
    ...trpc.generation.list.queryOptions({ limit: 20, offset: 0 }),
    refetchInterval: (q) =>
      q.state.data?.items.some((r) => r.state === 'queued' || r.state === 'running') ? 1000 : false,
  });
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.generation.list.queryKey() });
  const cancel = useMutation(trpc.generation.cancel.mutationOptions({ onSettled: refresh }));
  return (
    <section className="space-y-4">
      <PageHeader title="Generation">
        <a
          href="/api/export/outputs"
          className="rounded-md px-2.5 py-1.5 text-sm font-medium ring-1 ring-slate-300 hover:bg-slate-50"
          data-testid="export-all"
          download
        >
          Export approved images (zip)
        </a>
      </PageHeader>
      <GenerationForm onCreated={refresh} />
      <Table
        testId="generation-requests"
        head={['Requested', 'Prompt', 'Subjects', 'State', 'Progress', 'Images', '']}
        rows={list.isSuccess ? list.data.items.length : undefined}
        empty={
          <EmptyState title="No requests yet.">
            <p>
              Pick 2–4 subjects and write a prompt above, then Generate. The images go to the
              reviewers’ queue; you see them here with their review state.
            </p>
          </EmptyState>
        }
      >
        {list.data?.items.map((r) => (
          <tr key={r.id} data-testid="generation-row" data-state={r.state}>
            <td className="text-xs whitespace-nowrap">{formatWhen(r.createdAt)}</td>
            <td className="max-w-64">
              <Link href={`/generation/${r.id}`} className="text-indigo-700 hover:underline">
                {r.prompt}
              </Link>
            </td>
            <td>{r.subjects.map((s) => s.name).join(', ')}</td>
            <td>
              <Badge tone={REQUEST_TONE[r.state]}>{stateLabel(r.state)}</Badge>
              {r.error ? <div className="text-xs text-rose-700">{r.error}</div> : null}
            </td>
            <td className="whitespace-nowrap">
              {/* value/max: sampling steps done of every step of every image (per-step reports) */}
              <progress
                max={r.totalSteps}
                value={r.step}
                aria-label={`progress of “${r.prompt}”`}
                className="block w-32"
              />
              <span className="text-xs text-slate-600" data-testid="progress-text">
                {progressText(r)}
              </span>
              {stepCostText(r) ? (
                <div className="text-xs text-slate-500" data-testid="progress-cost">
                  {stepCostText(r)}
                </div>
              ) : null}
            </td>
            <td className="min-w-40">
              <div className="text-xs text-slate-600" data-testid="outputs-count">
                {r.outputs}/{r.count} stored{r.outputs ? ' · in review queue' : ''}
              </div>
              <OutputThumbs requestId={r.id} expected={r.outputs} />
            </td>
            <td className="text-right">
              {r.state === 'queued' || r.state === 'running' ? (
                <Button tone="danger" onClick={() => cancel.mutate({ requestId: r.id })}>
                  Cancel
                </Button>
              ) : null}
            </td>
          </tr>
        ))}
      </Table>
    </section>
  );
}
