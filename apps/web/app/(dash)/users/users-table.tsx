'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { ROLES } from '@musar/auth/permissions';
import { useTRPC } from '@/trpc/client';
import { Alert, Badge, Button, Input, Kbd, PageHeader, Select, Table } from '@/ui/kit';
import { BanDialog, CreateUserDialog } from './user-dialogs';

export function UsersTable({ currentUserId }: { currentUserId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState('');
  const [banning, setBanning] = useState<{ id: string; email: string } | null>(null);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);

  const list = useQuery(trpc.users.list.queryOptions({ search: search || undefined, limit: 200 }));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
  const onError = (e: { message: string }) => setError(e.message);
  const onSuccess = () => {
    setError(null);
    return refresh();
  };
  const setRole = useMutation(trpc.users.setRole.mutationOptions({ onSuccess, onError }));
  const unban = useMutation(trpc.users.unban.mutationOptions({ onSuccess, onError }));

  // `/` focuses the search box.
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      const tag = (event.target as HTMLElement | null)?.tagName ?? '';
      if (event.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(tag)) {
        event.preventDefault();
        searchRef.current?.focus();
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <section>
      <PageHeader title="Users">
        <div className="relative">
          <Input
            ref={searchRef}
            type="search"
            aria-label="Search users"
            placeholder="Search name or e-mail"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            className="w-56 pr-8 sm:w-64"
          />
          <span className="pointer-events-none absolute top-1.5 right-2">
            <Kbd>/</Kbd>
          </span>
        </div>
        <Button tone="primary" onClick={() => setCreating(true)}>
          New user
        </Button>
      </PageHeader>
      {error ? (
        <div className="mb-3">
          <Alert>{error}</Alert>
        </div>
      ) : null}
      <Table testId="users-table" head={['Name', 'E-mail', 'Role', 'Status', 'Actions']}>
        {list.data?.items.map((u) => {
          const self = u.id === currentUserId;
          return (
            <tr key={u.id} data-email={u.email}>
              <td>{u.name}</td>
              <td className="font-mono text-xs">{u.email}</td>
              <td>
                <Select
                  aria-label={`Role of ${u.email}`}
                  value={u.role ?? ''}
                  disabled={self || setRole.isPending}
                  onChange={(e) =>
                    setRole.mutate({
                      userId: u.id,
                      role: e.target.value as (typeof ROLES)[number],
                    })
                  }
                >
                  {u.role && !(ROLES as readonly string[]).includes(u.role) ? (
                    <option value={u.role}>{u.role}</option>
                  ) : null}
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </Select>
              </td>
              <td>
                {u.banned ? (
                  <span title={u.banReason ?? ''}>
                    <Badge tone="rose">banned</Badge>
                  </span>
                ) : (
                  <Badge tone="emerald">active</Badge>
                )}
              </td>
              <td className="text-right">
                {self ? (
                  <span className="text-xs text-slate-500">you</span>
                ) : u.banned ? (
                  <Button
                    onClick={() => unban.mutate({ userId: u.id })}
                    aria-label={`Unban ${u.email}`}
                  >
                    Unban
                  </Button>
                ) : (
                  <Button
                    tone="ghost"
                    onClick={() => setBanning({ id: u.id, email: u.email })}
                    aria-label={`Ban ${u.email}`}
                  >
                    Ban…
                  </Button>
                )}
              </td>
            </tr>
          );
        })}
      </Table>
      {list.isLoading ? <p className="p-3 text-slate-500">Loading…</p> : null}
      {list.error ? (
        <div className="p-3">
          <Alert>{list.error.message}</Alert>
        </div>
      ) : null}
      <p className="mt-2 text-xs text-slate-500">{list.data ? `${list.data.total} users` : ''}</p>
      {banning ? (
        <BanDialog
          user={banning}
          onClose={() => setBanning(null)}
          onDone={() => {
            setBanning(null);
            void onSuccess();
          }}
        />
      ) : null}
      {creating ? (
        <CreateUserDialog
          onClose={() => setCreating(false)}
          onDone={() => {
            setCreating(false);
            void onSuccess();
          }}
        />
      ) : null}
    </section>
  );
}
