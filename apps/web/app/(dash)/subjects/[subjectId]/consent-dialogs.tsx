'use client';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '@/trpc/client';
import { ZConsentForm } from '@musar/core/forms/forms';
import { check, fromServer, type TErrors } from '@/ui/form-errors';
import { Alert, Button, Field, Input, Select } from '@/ui/kit';
import { fileToBase64, Modal } from '@/ui/modal';

/** The fields each dialog shows next to a control (any other key's message joins the sentence). */
const GRANT_FIELDS = ['scope', 'grantedBy', 'evidence', 'evidenceFile', 'validFrom', 'expiresAt'];
export const REVOKE_FIELDS = ['reason'];

const isoOrUndefined = (value: FormDataEntryValue | null) =>
  value && String(value) ? new Date(String(value)).toISOString() : undefined;

export function GrantConsentDialog({
  subjectId,
  onClose,
  onDone,
}: {
  subjectId: string;
  onClose: () => void;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const [reading, setReading] = useState(false);
  const [errors, setErrors] = useState<TErrors>({});
  const grant = useMutation(
    trpc.consents.grant.mutationOptions({
      onSuccess: onDone,
      onError: (e) => setErrors(fromServer(e, GRANT_FIELDS)),
    }),
  );
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    // the server's own schema first: each problem next to its field, nothing sent
    const checked = check(ZConsentForm, {
      subjectId,
      scope: form.get('scope'),
      grantedBy: String(form.get('grantedBy') ?? ''),
      evidence: String(form.get('evidence') ?? ''),
      validFrom: isoOrUndefined(form.get('validFrom')),
      expiresAt: isoOrUndefined(form.get('expiresAt')) ?? null,
    });
    if (checked.errors) return setErrors(checked.errors);
    setErrors({});
    const file = form.get('evidenceFile');
    setReading(true);
    const evidenceFile =
      file instanceof File && file.size > 0
        ? { name: file.name, base64: await fileToBase64(file).finally(() => setReading(false)) }
        : undefined;
    setReading(false);
    grant.mutate({
      subjectId,
      scope: form.get('scope') === 'train' ? 'train' : 'generate',
      grantedBy: String(form.get('grantedBy') ?? ''),
      evidence: String(form.get('evidence') ?? ''),
      evidenceFile,
      validFrom: isoOrUndefined(form.get('validFrom')),
      expiresAt: isoOrUndefined(form.get('expiresAt')) ?? null,
    });
  }
  return (
    <Modal title="Record consent" onClose={onClose}>
      <form onSubmit={onSubmit} noValidate className="space-y-3">
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Scope" error={errors.scope}>
            <Select name="scope" defaultValue="generate" className="w-full">
              <option value="generate">generate</option>
              <option value="train">train</option>
            </Select>
          </Field>
          <Field label="Granted by" hint="The person or rights holder." error={errors.grantedBy}>
            <Input
              name="grantedBy"
              required
              maxLength={200}
              aria-invalid={Boolean(errors.grantedBy)}
            />
          </Field>
        </div>
        <Field label="Evidence" error={errors.evidence}>
          <textarea
            name="evidence"
            required
            aria-invalid={Boolean(errors.evidence)}
            maxLength={4000}
            rows={3}
            className="block w-full rounded-md border-0 px-2.5 py-1.5 ring-1 ring-slate-300 focus:ring-2 focus:ring-indigo-500"
          />
        </Field>
        <Field
          label="Evidence file (optional: PDF, PNG, JPEG or text, ≤ 512 KiB)"
          error={errors.evidenceFile}
        >
          <Input
            name="evidenceFile"
            type="file"
            accept="application/pdf,image/png,image/jpeg,text/plain"
          />
        </Field>
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Valid from" hint="Empty: now." error={errors.validFrom}>
            <Input name="validFrom" type="datetime-local" />
          </Field>
          <Field label="Expires" hint="Empty: no expiry." error={errors.expiresAt}>
            <Input name="expiresAt" type="datetime-local" />
          </Field>
        </div>
        {errors.form ? <Alert>{errors.form}</Alert> : null}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button tone="primary" type="submit" disabled={reading || grant.isPending}>
            Record
          </Button>
        </div>
      </form>
    </Modal>
  );
}

export function RevokeDialog({
  label,
  errors,
  pending,
  onClose,
  onRevoke,
}: {
  label: string;
  /** the revocation's refusal: `reason`'s message next to it, the rest as `form` */
  errors: TErrors;
  pending: boolean;
  onClose: () => void;
  onRevoke: (reason: string) => void;
}) {
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onRevoke(String(new FormData(event.currentTarget).get('reason') ?? ''));
  }
  return (
    <Modal title={`Revoke ${label}`} onClose={onClose}>
      <p className="text-sm text-slate-600">
        Takes effect at once, in one transaction: queued generations with the subject are cancelled,
        its outputs leave review, export and training, model versions trained on it are tainted and
        a retrain without it is scheduled.
      </p>
      <form onSubmit={onSubmit} className="space-y-3">
        <Field label="Reason" error={errors.reason}>
          <Input
            name="reason"
            required
            maxLength={500}
            autoFocus
            aria-invalid={Boolean(errors.reason)}
          />
        </Field>
        {errors.form ? <Alert>{errors.form}</Alert> : null}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button tone="danger" type="submit" disabled={pending}>
            Revoke
          </Button>
        </div>
      </form>
    </Modal>
  );
}
