'use client';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/trpc/client';
import { errorsOf, FormError, fromHttp, fromServer, type TErrors } from '@/ui/form-errors';
import { Alert, Button, Field, Input, Select } from '@/ui/kit';
import { Modal } from '@/ui/modal';

const KINDS = ['product', 'mascot', 'person'] as const;
/** The fields each dialog shows next to a control (any other key's message joins the sentence). */
const UPLOAD_FIELDS = ['name', 'kind', 'classWord', 'images'];
const TOY_FIELDS = ['seed', 'views', 'name'];

/** Sends a multipart upload to /api/subjects/upload (bodies above tRPC's 1 MiB limit); a refusal
 * throws a FormError with the route's message per field (name, kind, classWord, images). */
export async function uploadSubjectImages(form: FormData): Promise<{ id: string }> {
  const res = await fetch('/api/subjects/upload', { method: 'POST', body: form });
  const body = (await res.json().catch(() => null)) as { id: string } | null;
  if (!res.ok || !body) throw new FormError(fromHttp(body, res.status, UPLOAD_FIELDS));
  return body;
}

export function NewSubjectDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const [errors, setErrors] = useState<TErrors>({});
  const create = useMutation({
    mutationFn: uploadSubjectImages,
    onSuccess: onDone,
    onError: (e) => setErrors(errorsOf(e, UPLOAD_FIELDS)),
  });
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setErrors({});
    create.mutate(new FormData(event.currentTarget));
  }
  return (
    <Modal title="New subject" onClose={onClose}>
      <form onSubmit={onSubmit} className="space-y-3">
        <Field label="Name" error={errors.name}>
          <Input
            name="name"
            required
            maxLength={120}
            autoFocus
            aria-invalid={Boolean(errors.name)}
          />
        </Field>
        <div className="grid grid-cols-2 gap-3">
          <Field label="Kind" error={errors.kind}>
            <Select name="kind" defaultValue="product" className="w-full">
              {KINDS.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </Select>
          </Field>
          <Field
            label="Class word"
            hint="All that prompts may say, e.g. “star toy”."
            error={errors.classWord}
          >
            <Input
              name="classWord"
              required
              maxLength={60}
              aria-invalid={Boolean(errors.classWord)}
            />
          </Field>
        </div>
        <Field
          label="Reference images (1–8, PNG or JPEG, ≤ 8 MiB each)"
          hint="Normalised to 32×32; duplicates are refused."
          error={errors.images}
        >
          <Input name="images" type="file" accept="image/png,image/jpeg" multiple required />
        </Field>
        {errors.form ? <Alert>{errors.form}</Alert> : null}
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
  const [errors, setErrors] = useState<TErrors>({});
  const create = useMutation(
    trpc.subjects.createToy.mutationOptions({
      onSuccess: onDone,
      onError: (e) => setErrors(fromServer(e, TOY_FIELDS)),
    }),
  );
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = String(form.get('name') ?? '').trim();
    setErrors({});
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
          <Field label="Seed" error={errors.seed}>
            <Input
              name="seed"
              type="number"
              min={0}
              required
              defaultValue={Math.floor(Math.random() * 100000)}
            />
          </Field>
          <Field label="Views" error={errors.views}>
            <Input name="views" type="number" min={1} max={8} required defaultValue={3} />
          </Field>
        </div>
        <Field label="Name (optional)" error={errors.name}>
          <Input name="name" maxLength={120} />
        </Field>
        {errors.form ? <Alert>{errors.form}</Alert> : null}
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
