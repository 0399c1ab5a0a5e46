'use client';
// Routing configs (named, versioned; saving a name again makes its next version) and the
// side-by-side preview of 2–4 configs on the same subjects, prompt and seed.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { TRoutingOverrides } from '@musar/core/generation/routing-params';
import { useTRPC } from '@/trpc/client';
import { fromServer, type TErrors } from '@/ui/form-errors';
import { Alert, Button, EmptyState, Field, Input, PageHeader, Table } from '@/ui/kit';
import { RoutingPreview } from './routing-preview';

/** The form's fields (any other key's message, e.g. modelVersionId, joins the sentence). */
const FIELDS = ['name', 'params'];

export function RoutingWorkspace() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const configs = useQuery(trpc.routing.list.queryOptions());
  const models = useQuery(trpc.models.list.queryOptions());
  const [name, setName] = useState('');
  const [params, setParams] = useState(
    '{\n  "startStep": 4,\n  "layers": [2, 3],\n  "beta": 8,\n  "threshold": 0.3,\n  "smoothing": 1\n}',
  );
  const [errors, setErrors] = useState<TErrors>({});
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.routing.list.queryKey() });
  const create = useMutation(
    trpc.routing.create.mutationOptions({
      onSuccess: () => (setErrors({}), refresh()),
      onError: (e) => setErrors(fromServer(e, FIELDS)),
    }),
  );
  const setDefault = useMutation(
    trpc.routing.setDefault.mutationOptions({
      onSuccess: refresh,
      onError: (e) => setErrors({ form: e.message }),
    }),
  );
  const serving = models.data?.find((m) => m.kind === 'adapter' && m.state === 'serving');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    let parsed: TRoutingOverrides;
    try {
      // the server checks it against the routing schema (field errors come back under `params`)
      parsed = JSON.parse(params) as TRoutingOverrides;
    } catch {
      return setErrors({
        params: 'not valid JSON: write them as { "name": value, … }',
        form: 'Please correct the fields marked below.',
      });
    }
    setErrors({});
    create.mutate({
      name,
      params: parsed,
      ...(serving ? { modelVersionId: serving.id } : {}),
    });
  };
  return (
    <section className="space-y-4">
      <PageHeader title="Routing configs"></PageHeader>
      {errors.form ? <Alert>{errors.form}</Alert> : null}
      <form
        onSubmit={submit}
        className="grid gap-3 rounded-lg bg-white p-4 ring-1 ring-slate-200 md:grid-cols-2"
        aria-label="New routing config"
      >
        <Field label="Name" error={errors.name}>
          <Input
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            aria-invalid={Boolean(errors.name)}
          />
        </Field>
        <Field
          label="Parameters (startStep, layers, beta, threshold, smoothing, strength)"
          error={errors.params}
        >
          <textarea
            aria-invalid={Boolean(errors.params)}
            className="h-36 w-full rounded border border-slate-300 p-2 font-mono text-xs"
            value={params}
            onChange={(e) => setParams(e.target.value)}
          />
        </Field>
        <div>
          <Button tone="primary" type="submit" disabled={create.isPending}>
            Save version
          </Button>
        </div>
      </form>
      <Table
        testId="routing-configs"
        head={['Name', 'Version', 'Parameters', 'Default for', '']}
        rows={configs.isSuccess ? (configs.data?.length ?? 0) : undefined}
        empty={
          <EmptyState title="No routing configs yet.">
            <p>
              Save one above (a name and its parameters); saving the same name again makes its next
              version. Then compare 2–4 of them side by side below.
            </p>
          </EmptyState>
        }
      >
        {configs.data?.map((c) => (
          <tr key={c.id} data-testid="routing-config-row">
            <td>{c.name}</td>
            <td>v{c.version}</td>
            <td className="font-mono text-xs break-all">
              {Object.entries(c.params)
                .map(([k, v]) => `${k} ${JSON.stringify(v)}`)
                .join(' · ')}
            </td>
            <td>{models.data?.find((m) => m.id === c.defaultFor)?.name ?? '—'}</td>
            <td>
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
      </Table>
      <RoutingPreview configs={configs.data ?? []} />
    </section>
  );
}
