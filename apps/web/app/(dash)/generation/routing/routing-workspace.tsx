'use client';
// Routing configs (named, versioned; saving a name again makes its next version) and the
// side-by-side preview of 2–4 configs on the same subjects, prompt and seed.
import Link from 'next/link';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/trpc/client';
import { Alert, Button, Field, Input, PageHeader } from '@/ui/kit';
import { RoutingPreview } from './routing-preview';

export function RoutingWorkspace() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const configs = useQuery(trpc.routing.list.queryOptions());
  const models = useQuery(trpc.models.list.queryOptions());
  const [name, setName] = useState('');
  const [params, setParams] = useState(
    '{\n  "startStep": 4,\n  "layers": [2, 3],\n  "beta": 8,\n  "threshold": 0.3,\n  "smoothing": 1\n}',
  );
  const [error, setError] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.routing.list.queryKey() });
  const create = useMutation(
    trpc.routing.create.mutationOptions({
      onSuccess: () => (setError(null), refresh()),
      onError: (e) => setError(e.message),
    }),
  );
  const setDefault = useMutation(
    trpc.routing.setDefault.mutationOptions({
      onSuccess: refresh,
      onError: (e) => setError(e.message),
    }),
  );
  const serving = models.data?.find((m) => m.kind === 'adapter' && m.state === 'serving');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(params);
    } catch {
      return setError('Parameters must be a JSON object');
    }
    create.mutate({
      name,
      params: parsed as Record<string, unknown>,
      ...(serving ? { modelVersionId: serving.id } : {}),
    });
  };
  return (
    <section className="space-y-4">
      <PageHeader title="Routing configs">
        <nav className="flex gap-3 text-sm" aria-label="Operator pages">
          <Link className="text-indigo-700 hover:underline" href="/generation/routing">
            Routing configs
          </Link>
          <Link className="text-indigo-700 hover:underline" href="/generation/metrics">
            Metrics
          </Link>
          <Link className="text-indigo-700 hover:underline" href="/models">
            Models
          </Link>
        </nav>
      </PageHeader>
      {error ? <Alert>{error}</Alert> : null}
      <form
        onSubmit={submit}
        className="grid gap-3 rounded-lg bg-white p-4 ring-1 ring-slate-200 md:grid-cols-2"
        aria-label="New routing config"
      >
        <Field label="Name">
          <Input value={name} onChange={(e) => setName(e.target.value)} required />
        </Field>
        <Field label="Parameters (startStep, layers, beta, threshold, smoothing, strength)">
          <textarea
            className="h-36 w-full rounded border border-slate-300 p-2 font-mono text-xs"
            value={params}
            onChange={(e) => setParams(e.target.value)}
            aria-label="Parameters"
          />
        </Field>
        <div>
          <Button tone="primary" type="submit" disabled={create.isPending}>
            Save version
          </Button>
        </div>
      </form>
      <table
        className="min-w-full rounded-lg bg-white text-left text-sm ring-1 ring-slate-200"
        data-testid="routing-configs"
      >
        <thead className="text-xs text-slate-500 uppercase">
          <tr>
            <th className="px-3 py-2">Name</th>
            <th className="px-3 py-2">Version</th>
            <th className="px-3 py-2">Parameters</th>
            <th className="px-3 py-2">Default for</th>
            <th className="px-3 py-2" />
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {configs.data?.map((c) => (
            <tr key={c.id} data-testid="routing-config-row">
              <td className="px-3 py-2">{c.name}</td>
              <td className="px-3 py-2">v{c.version}</td>
              <td className="px-3 py-2 font-mono text-xs">{JSON.stringify(c.params)}</td>
              <td className="px-3 py-2">
                {models.data?.find((m) => m.id === c.defaultFor)?.name ?? '—'}
              </td>
              <td className="px-3 py-2">
                {serving && c.defaultFor !== serving.id ? (
                  <Button
                    onClick={() =>
                      setDefault.mutate({ routingConfigId: c.id, modelVersionId: serving.id })
                    }
                  >
                    Default for {serving.name}
                  </Button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <RoutingPreview configs={configs.data ?? []} />
    </section>
  );
}
