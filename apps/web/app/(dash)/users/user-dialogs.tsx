'use client';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ZCreateUser } from '@musar/core/forms/forms';
import { ROLES } from '@musar/auth/permissions';
import { useTRPC } from '@/trpc/client';
import { check, fromServer, type TErrors } from '@/ui/form-errors';
import { Alert, Button, Field, Input, Select } from '@/ui/kit';
import { Modal } from '@/ui/modal';

/** The fields each dialog shows next to a control (any other key's message joins the sentence). */
const BAN_FIELDS = ['reason', 'expiresInSeconds'];
const CREATE_FIELDS = ['name', 'email', 'role', 'password'];

const DURATIONS = [
  { label: 'Until unbanned', seconds: 0 },
  { label: '1 hour', seconds: 3600 },
  { label: '1 day', seconds: 86_400 },
  { label: '7 days', seconds: 604_800 },
  { label: '30 days', seconds: 2_592_000 },
];

export function BanDialog({
  user,
  onClose,
  onDone,
}: {
  user: { id: string; email: string };
  onClose: () => void;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const [errors, setErrors] = useState<TErrors>({});
  const ban = useMutation(
    trpc.users.ban.mutationOptions({
      onSuccess: onDone,
      onError: (e) => setErrors(fromServer(e, BAN_FIELDS)),
    }),
  );
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const seconds = Number(form.get('duration'));
    setErrors({});
    ban.mutate({
      userId: user.id,
      reason: String(form.get('reason') ?? ''),
      expiresInSeconds: seconds || undefined,
    });
  }
  return (
    <Modal width="md" title={`Ban ${user.email}`} onClose={onClose}>
      <form onSubmit={onSubmit} className="space-y-3">
        <Field
          label="Reason"
          hint="Recorded in the audit log. Their sessions end now."
          error={errors.reason}
        >
          <Input
            name="reason"
            required
            maxLength={500}
            autoFocus
            aria-invalid={Boolean(errors.reason)}
          />
        </Field>
        <Field label="Duration" error={errors.expiresInSeconds}>
          <Select name="duration" defaultValue="0" className="w-full">
            {DURATIONS.map((d) => (
              <option key={d.seconds} value={d.seconds}>
                {d.label}
              </option>
            ))}
          </Select>
        </Field>
        {errors.form ? <Alert>{errors.form}</Alert> : null}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button tone="danger" type="submit" disabled={ban.isPending}>
            Ban user
          </Button>
        </div>
      </form>
    </Modal>
  );
}

export function CreateUserDialog({ onClose, onDone }: { onClose: () => void; onDone: () => void }) {
  const trpc = useTRPC();
  const [errors, setErrors] = useState<TErrors>({});
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: onDone,
      onError: (e) => setErrors(fromServer(e, CREATE_FIELDS)),
    }),
  );
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const checked = check(ZCreateUser, {
      name: String(form.get('name') ?? ''),
      email: String(form.get('email') ?? ''),
      role: String(form.get('role')),
      password: String(form.get('password') ?? ''),
    });
    if (checked.errors) return setErrors(checked.errors);
    setErrors({});
    create.mutate(checked.data);
  }
  return (
    <Modal width="md" title="New user" onClose={onClose}>
      <form onSubmit={onSubmit} noValidate className="space-y-3">
        <Field label="Name" error={errors.name}>
          <Input name="name" required autoFocus />
        </Field>
        <Field label="E-mail" error={errors.email}>
          <Input name="email" type="email" required />
        </Field>
        <Field label="Role" error={errors.role}>
          <Select name="role" defaultValue="reviewer" className="w-full">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </Select>
        </Field>
        <Field
          label="Initial password"
          hint="At least 12 characters; share it with them privately."
          error={errors.password}
        >
          <Input name="password" type="password" minLength={12} required />
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
