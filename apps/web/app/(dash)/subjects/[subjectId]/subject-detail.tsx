'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { useTRPC } from '@/trpc/client';
import { formatDay, stateLabel } from '@/ui/format';
import { Alert, Badge, Button, PageHeader } from '@/ui/kit';
import { ConsentPanel } from './consent-panel';
import { EraseDialog } from './erase-dialog';
import { SubjectImages } from './subject-images';

const STATE_TONE: Record<string, 'slate' | 'rose' | 'indigo' | 'emerald' | 'amber'> = {
  serving: 'emerald',
  tainted: 'rose',
  withdrawn: 'rose',
  approved: 'emerald',
  pending_review: 'amber',
  candidate: 'indigo',
};

export function SubjectDetail({ subjectId }: { subjectId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [erasing, setErasing] = useState(false);
  const query = useQuery(trpc.subjects.get.queryOptions({ subjectId }));
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.subjects.get.queryKey({ subjectId }) });
  if (query.error) return <Alert>{query.error.message}</Alert>;
  const s = query.data;
  if (!s) return <p className="text-slate-500">Loading…</p>;
  return (
    <section className="space-y-6">
      <PageHeader title={s.name}>
        <Link href="/subjects" className="text-sm text-indigo-700 hover:underline">
          ← All subjects
        </Link>
        {s.erasedAt ? (
          <Badge tone="rose">erased {formatDay(s.erasedAt)}</Badge>
        ) : (
          <Button tone="danger" onClick={() => setErasing(true)}>
            Erase…
          </Button>
        )}
      </PageHeader>
      <div className="flex flex-wrap items-center gap-2 text-sm text-slate-600">
        <span>
          {s.kind} · “{s.classWord}”
        </span>
        <Badge tone={s.canGenerate ? 'emerald' : 'slate'}>
          generate {s.canGenerate ? '✓' : '✗'}
        </Badge>
        <Badge tone={s.canTrain ? 'emerald' : 'slate'}>train {s.canTrain ? '✓' : '✗'}</Badge>
      </div>
      <SubjectImages
        subjectId={s.id}
        images={s.images}
        erased={Boolean(s.erasedAt)}
        onChange={refresh}
      />
      <ConsentPanel subject={s} onChange={refresh} />
      <div className="grid gap-6 lg:grid-cols-2">
        <div>
          <h2 className="mb-2 font-semibold">Model versions trained on it</h2>
          <ul
            className="divide-y divide-slate-100 rounded-lg bg-white ring-1 ring-slate-200"
            data-testid="lineage-versions"
          >
            {s.lineage.modelVersions.map((v) => (
              <li
                key={v.id}
                className="flex items-center justify-between px-3 py-2"
                data-testid="lineage-version"
                data-state={v.state}
              >
                <span className="font-mono text-xs">{v.name}</span>
                <span className="flex gap-1">
                  <span className="text-xs text-slate-500">via {v.via.join(', ')}</span>
                  <Badge tone={STATE_TONE[v.state] ?? 'slate'}>{v.state}</Badge>
                </span>
              </li>
            ))}
            {s.lineage.modelVersions.length === 0 ? (
              <li className="px-3 py-2 text-slate-500">None.</li>
            ) : null}
          </ul>
        </div>
        <div>
          <h2 className="mb-2 font-semibold">Outputs holding it</h2>
          <ul
            className="divide-y divide-slate-100 rounded-lg bg-white ring-1 ring-slate-200"
            data-testid="lineage-outputs"
          >
            {s.lineage.outputs.map((o) => (
              <li
                key={o.id}
                className="flex items-center justify-between px-3 py-2"
                data-testid="lineage-output"
                data-state={o.state}
              >
                <span className="truncate text-xs">{o.prompt}</span>
                <Badge tone={STATE_TONE[o.state] ?? 'slate'}>{stateLabel(o.state)}</Badge>
              </li>
            ))}
            {s.lineage.outputs.length === 0 ? (
              <li className="px-3 py-2 text-slate-500">None.</li>
            ) : null}
          </ul>
        </div>
      </div>
      {erasing ? (
        <EraseDialog
          subject={s}
          onClose={() => setErasing(false)}
          onDone={() => {
            setErasing(false);
            return refresh();
          }}
        />
      ) : null}
    </section>
  );
}
