'use client';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ZConsentForm } from '@musar/core/forms/forms';
import { check, errorsOf, FormError, fromHttp, type TErrors } from '@/ui/form-errors';
import { Alert, Button, Field, Input, Select } from '@/ui/kit';
import { Modal } from '@/ui/modal';

/** The fields each dialog shows next to a control (any other key's message joins the sentence). */
const GRANT_FIELDS = ['scope', 'grantedBy', 'evidence', 'evidenceFile', 'validFrom', 'expiresAt'];
export const REVOKE_FIELDS = ['reason'];

const isoOrUndefined = (value: FormDataEntryValue | null) =>
  value && String(value) ? new Date(String(value)).toISOString() : undefined;

/** Records the consent through POST /api/consents/grant (multipart: an evidence file of a few MiB
 * does not fit a tRPC body); a refusal throws a FormError with the route's message per field. */
export async function recordConsent(form: FormData): Promise<{ id: string }> {
  const res = await fetch('/api/consents/grant', { method: 'POST', body: form });
  const body = (await res.json().catch(() => null)) as { id: string } | null;
  if (!res.ok || !body) throw new FormError(fromHttp(body, res.status, GRANT_FIELDS));
  return body;
}

export function GrantConsentDialog({
  subjectId,
  onClose,
  onDone,
}: {
  subjectId: string;
  onClose: () => void;
  onDone: () => void;
}) {
  const [errors, setErrors] = useState<TErrors>({});
  const grant = useMutation({
    mutationFn: recordConsent,
    onSuccess: onDone,
    onError: (e) => setErrors(errorsOf(e, GRANT_FIELDS)),
  });
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const fields = {
      subjectId,
      scope: form.get('scope') === 'train' ? 'train' : 'generate',
      grantedBy: String(form.get('grantedBy') ?? ''),
      evidence: String(form.get('evidence') ?? ''),
      validFrom: isoOrUndefined(form.get('validFrom')),
      expiresAt: isoOrUndefined(form.get('expiresAt')) ?? null,
    };
    // the server's own schema first: each problem next to its field, nothing sent
    const checked = check(ZConsentForm, fields);
    if (checked.errors) return setErrors(checked.errors);
    setErrors({});
    // the dates as ISO instants (the browser's time zone), the file streamed as it is
    const body = new FormData();
    for (const [key, value] of Object.entries(fields)) if (value) body.set(key, value);
    const file = form.get('evidenceFile');
    if (file instanceof File && file.size > 0) body.set('evidenceFile', file, file.name);
    grant.mutate(body);
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
          label="Evidence file (optional: PDF, PNG, JPEG or text, ≤ 8 MiB)"
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
          <Button tone="primary" type="submit" disabled={grant.isPending}>
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
