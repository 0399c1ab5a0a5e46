'use client';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/trpc/client';
import { fromServer, type TErrors } from '@/ui/form-errors';
import { Alert, Button, Field, Input } from '@/ui/kit';
import { Modal } from '@/ui/modal';

const FIELDS = ['reason', 'confirmName'];

export function EraseDialog({
  subject,
  onClose,
  onDone,
}: {
  subject: { id: string; name: string };
  onClose: () => void;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const [typed, setTyped] = useState('');
  const [errors, setErrors] = useState<TErrors>({});
  const erase = useMutation(
    trpc.subjects.erase.mutationOptions({
      onSuccess: onDone,
      onError: (e) => setErrors(fromServer(e, FIELDS)),
    }),
  );
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setErrors({});
    erase.mutate({
      subjectId: subject.id,
      confirmName: typed,
      reason: String(form.get('reason') ?? ''),
    });
  }
  return (
    <Modal title={`Erase ${subject.name}`} onClose={onClose}>
      <p className="text-sm text-slate-600">
        Revokes all its consent (with the full cascade) and deletes every image byte of this
        subject: its reference images, every output image holding it and its evidence files. Only
        audit entries and ids remain. This cannot be undone.
      </p>
      <form onSubmit={onSubmit} className="space-y-3">
        <Field label="Reason" error={errors.reason}>
          <Input name="reason" required maxLength={500} aria-invalid={Boolean(errors.reason)} />
        </Field>
        <Field label={`Type “${subject.name}” to confirm`} error={errors.confirmName}>
          <Input
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            aria-label="Confirm name"
            aria-invalid={Boolean(errors.confirmName)}
          />
        </Field>
        {errors.form ? <Alert>{errors.form}</Alert> : null}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button tone="danger" type="submit" disabled={typed !== subject.name || erase.isPending}>
            Erase permanently
          </Button>
        </div>
      </form>
    </Modal>
  );
}
