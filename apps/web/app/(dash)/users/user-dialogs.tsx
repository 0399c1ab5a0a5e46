'use client';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent } from 'react';
import { ROLES } from '@musar/auth/permissions';
import { useTRPC } from '@/trpc/client';
import { Alert, Button, Field, Input, Select } from '@/ui/kit';
import { Modal } from '@/ui/modal';

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
  const ban = useMutation(trpc.users.ban.mutationOptions({ onSuccess: onDone }));
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const seconds = Number(form.get('duration'));
    ban.mutate({
      userId: user.id,
      reason: String(form.get('reason') ?? ''),
      expiresInSeconds: seconds || undefined,
    });
  }
  return (
    <Modal width="md" title={`Ban ${user.email}`} onClose={onClose}>
      <form onSubmit={onSubmit} className="space-y-3">
        <Field label="Reason" hint="Recorded in the audit log. Their sessions end now.">
          <Input name="reason" required maxLength={500} autoFocus />
        </Field>
        <Field label="Duration">
          <Select name="duration" defaultValue="0" className="w-full">
            {DURATIONS.map((d) => (
              <option key={d.seconds} value={d.seconds}>
                {d.label}
              </option>
            ))}
          </Select>
        </Field>
        {ban.error ? <Alert>{ban.error.message}</Alert> : null}
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
  const create = useMutation(trpc.users.create.mutationOptions({ onSuccess: onDone }));
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({
      name: String(form.get('name') ?? ''),
      email: String(form.get('email') ?? ''),
      role: String(form.get('role')) as (typeof ROLES)[number],
      password: String(form.get('password') ?? ''),
    });
  }
  return (
    <Modal width="md" title="New user" onClose={onClose}>
      <form onSubmit={onSubmit} className="space-y-3">
        <Field label="Name">
          <Input name="name" required autoFocus />
        </Field>
        <Field label="E-mail">
          <Input name="email" type="email" required />
        </Field>
        <Field label="Role">
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
        >
          <Input name="password" type="password" minLength={12} required />
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
