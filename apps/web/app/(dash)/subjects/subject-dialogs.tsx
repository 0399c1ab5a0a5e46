'use client';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent } from 'react';
import { useTRPC } from '@/trpc/client';
import { Alert, Button, Field, Input, Select } from '@/ui/kit';
import { Modal } from '@/ui/modal';

const KINDS = ['product', 'mascot', 'person'] as const;

/** Sends a multipart upload to /api/subjects/upload (bodies above tRPC's 1 MiB limit). */
export async function uploadSubjectImages(form: FormData): Promise<{ id: string }> {
  const res = await fetch('/api/subjects/upload', { method: 'POST', body: form });
  const body = (await res.json().catch(() => ({ error: `Upload failed (${res.status})` }))) as {
    id: string;
    error?: string;
  };
  if (!res.ok) throw new Error(body.error ?? `Upload failed (${res.status})`);
  return body;
}

export function NewSubjectDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const create = useMutation({ mutationFn: uploadSubjectImages, onSuccess: onDone });
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate(new FormData(event.currentTarget));
  }
  return (
    <Modal title="New subject" onClose={onClose}>
      <form onSubmit={onSubmit} className="space-y-3">
        <Field label="Name">
          <Input name="name" required maxLength={120} autoFocus />
        </Field>
        <div className="grid grid-cols-2 gap-3">
          <Field label="Kind">
            <Select name="kind" defaultValue="product" className="w-full">
              {KINDS.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </Select>
          </Field>
          <Field label="Class word" hint="All that prompts may say, e.g. “star toy”.">
            <Input name="classWord" required maxLength={60} />
          </Field>
        </div>
        <Field
          label="Reference images (1–8, PNG or JPEG, ≤ 8 MiB each)"
          hint="Normalised to 32×32; duplicates are refused."
        >
          <Input name="images" type="file" accept="image/png,image/jpeg" multiple required />
        </Field>
        {create.error ? <Alert>{create.error.message}</Alert> : null}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button tone="primary" type="submit" disabled={create.isPending}>
            Create
          </Button>
        </div>
      </form>
    </Modal>
  );
}

export function ToySubjectDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const trpc = useTRPC();
  const create = useMutation(trpc.subjects.createToy.mutationOptions({ onSuccess: onDone }));
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = String(form.get('name') ?? '').trim();
    create.mutate({
      seed: Number(form.get('seed')),
      views: Number(form.get('views')),
      name: name || undefined,
    });
  }
  return (
    <Modal title="Render a toy-world subject" onClose={onClose}>
      <form onSubmit={onSubmit} className="space-y-3">
        <div className="grid grid-cols-2 gap-3">
          <Field label="Seed">
            <Input
              name="seed"
              type="number"
              min={0}
              required
              defaultValue={Math.floor(Math.random() * 100000)}
            />
          </Field>
          <Field label="Views">
            <Input name="views" type="number" min={1} max={8} required defaultValue={3} />
          </Field>
        </div>
        <Field label="Name (optional)">
          <Input name="name" maxLength={120} />
        </Field>
        {create.error ? <Alert>{create.error.message}</Alert> : null}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button tone="primary" type="submit" disabled={create.isPending}>
            Render
          </Button>
        </div>
      </form>
    </Modal>
  );
}
