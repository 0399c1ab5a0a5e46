'use client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { useTRPC } from '@/trpc/client';
import { Alert, Badge, Button, EmptyState, Input, PageHeader } from '@/ui/kit';
import { NewSubjectDialog, ToySubjectDialog } from './subject-dialogs';

export function SubjectsList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState('');
  const [dialog, setDialog] = useState<'upload' | 'toy' | null>(null);
  const list = useQuery(
    trpc.subjects.list.queryOptions({ search: search || undefined, limit: 200 }),
  );
  const done = () => {
    setDialog(null);
    return queryClient.invalidateQueries({ queryKey: trpc.subjects.list.queryKey() });
  };
  return (
    <section>
      <PageHeader title="Subjects & consent">
        <Input
          type="search"
          aria-label="Search subjects"
          placeholder="Search by name"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          className="w-48 sm:w-56"
        />
        <Button onClick={() => setDialog('toy')}>Toy subject</Button>
        <Button tone="primary" onClick={() => setDialog('upload')}>
          New subject
        </Button>
      </PageHeader>
      {list.error ? <Alert>{list.error.message}</Alert> : null}
      <ul
        className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3"
        data-testid="subject-list"
      >
        {list.data?.items.map((s) => (
          <li key={s.id} data-testid="subject-row" data-name={s.name}>
            <Link
              href={`/subjects/${s.id}`}
              className="flex gap-3 rounded-lg bg-white p-3 ring-1 ring-slate-200 hover:ring-indigo-300"
            >
              {s.thumbnail ? (
                <img
                  src={s.thumbnail}
                  alt=""
                  width={64}
                  height={64}
                  className="rounded [image-rendering:pixelated]"
                />
              ) : (
                <div className="h-16 w-16 rounded bg-slate-100" />
              )}
              <div className="min-w-0 space-y-1">
                <div className="truncate font-medium">{s.name}</div>
                <div className="text-xs text-slate-500">
                  {s.kind} · “{s.classWord}” · {s.imageCount} image{s.imageCount === 1 ? '' : 's'}
                </div>
                <div className="flex gap-1">
                  {s.erasedAt ? <Badge tone="rose">erased</Badge> : null}
                  <Badge tone={s.canGenerate ? 'emerald' : 'slate'}>
                    generate {s.canGenerate ? '✓' : '✗'}
                  </Badge>
                  <Badge tone={s.canTrain ? 'emerald' : 'slate'}>
                    train {s.canTrain ? '✓' : '✗'}
                  </Badge>
                </div>
              </div>
            </Link>
          </li>
        ))}
      </ul>
      {list.data && list.data.items.length === 0 ? (
        <EmptyState title={search ? 'No subject matches.' : 'No subjects yet.'}>
          <p>
            Create one with <strong>New subject</strong> (1–8 reference photos) or{' '}
            <strong>Toy subject</strong> (rendered for you), then open it and{' '}
            <strong>Record consent</strong> for the generate scope — only then can an operator use
            it.
          </p>
        </EmptyState>
      ) : null}
      {dialog === 'upload' ? (
        <NewSubjectDialog onClose={() => setDialog(null)} onDone={done} />
      ) : null}
      {dialog === 'toy' ? <ToySubjectDialog onClose={() => setDialog(null)} onDone={done} /> : null}
    </section>
  );
}
