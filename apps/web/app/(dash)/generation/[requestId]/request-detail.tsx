'use client';
// One request: what was asked, its progress, and every image with its review state, auto scores
// and (once approved) a download of the approved images with their manifests.
import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/trpc/client';
import { formatWhen, stateLabel } from '@/ui/format';
import { Alert, Badge, EmptyState, PageHeader } from '@/ui/kit';
import { REQUEST_TONE } from '../generation-workspace';
import { progressText, stepCostText } from '../progress';
import { OUTPUT_TONE, useRequestOutputs } from '../request-outputs';

const n3 = (v: unknown) => (typeof v === 'number' ? v.toFixed(3) : '—');

export function RequestDetail({ requestId }: { requestId: string }) {
  const trpc = useTRPC();
  const req = useQuery({
    ...trpc.generation.get.queryOptions({ requestId }),
    refetchInterval: (q) =>
      q.state.data?.state === 'queued' || q.state.data?.state === 'running' ? 1000 : false,
  });
  const outs = useRequestOutputs(requestId);
  if (req.error) return <Alert>{req.error.message}</Alert>;
  const r = req.data;
  if (!r) return <p className="text-slate-500">Loading…</p>;
  const approved = outs.data?.filter((o) => o.state === 'approved').length ?? 0;
  return (
    <section className="space-y-4" data-testid="request-detail">
      <PageHeader title={`“${r.prompt}”`}>
        <Link href="/generation" className="text-sm text-indigo-700 hover:underline">
          ← All requests
        </Link>
        {approved ? (
          <a
            href={`/api/export/outputs?requestId=${r.id}`}
            download
            className="rounded-md bg-indigo-600 px-2.5 py-1.5 text-sm font-medium text-white hover:bg-indigo-500"
            data-testid="export-request"
          >
            Export {approved} approved (zip)
          </a>
        ) : null}
      </PageHeader>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm sm:grid-cols-[auto_1fr_auto_1fr]">
        <dt className="text-slate-500">State</dt>
        <dd>
          <Badge tone={REQUEST_TONE[r.state]}>{stateLabel(r.state)}</Badge>{' '}
          <span className="text-xs text-slate-600" data-testid="progress-text">
            {progressText(r)}
          </span>
          {r.state === 'running' ? (
            <progress
              max={r.totalSteps}
              value={r.step}
              aria-label="progress"
              className="mt-1 block w-48"
            />
          ) : null}
          {stepCostText(r) ? <div className="text-xs text-slate-500">{stepCostText(r)}</div> : null}
        </dd>
        <dt className="text-slate-500">Subjects</dt>
        <dd>{r.subjects.map((s) => s.name).join(', ')}</dd>
        <dt className="text-slate-500">Requested</dt>
        <dd>{formatWhen(r.createdAt)}</dd>
        <dt className="text-slate-500">Seed</dt>
        <dd>{r.seed ?? '—'}</dd>
      </dl>
      {r.error ? <Alert>{r.error}</Alert> : null}
      {outs.data && outs.data.length === 0 ? (
        <EmptyState
          title={
            r.state === 'queued' || r.state === 'running'
              ? 'No image yet.'
              : 'This request stored no image.'
          }
        >
          <p>
            Images appear here one by one as the worker finishes them, then go to the reviewers’
            queue.
          </p>
        </EmptyState>
      ) : null}
      <ul
        className="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-4"
        data-testid="request-images"
      >
        {outs.data?.map((o) => (
          <li
            key={o.id}
            id={`output-${o.index + 1}`}
            className="space-y-1 rounded-lg bg-white p-2 ring-1 ring-slate-200"
            data-testid="request-image"
            data-state={o.state}
          >
            {o.image ? (
              <img
                src={o.image}
                alt={`Image ${o.index + 1}`}
                width={192}
                height={192}
                className="aspect-square w-full [image-rendering:pixelated]"
              />
            ) : (
              <div className="flex aspect-square w-full items-center justify-center bg-slate-100 text-xs text-slate-500">
                Not shown
                {o.withdrawnReason ? `: ${o.withdrawnReason}` : ' (consent no longer in force)'}
              </div>
            )}
            <div className="flex flex-wrap items-center justify-between gap-1 text-xs">
              <span>Image {o.index + 1}</span>
              <Badge tone={OUTPUT_TONE[o.state]}>{stateLabel(o.state)}</Badge>
            </div>
            <div className="text-xs text-slate-500">
              fidelity {n3(o.scores?.fidelity)} · leakage {n3(o.scores?.leakage)}
              {o.decidedAt ? <div>decided {formatWhen(o.decidedAt)}</div> : null}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
