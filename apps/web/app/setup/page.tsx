import { redirect } from 'next/navigation';
import { completeFirstAdminSetup, MIN_PASSWORD_LENGTH, SetupError } from '@musar/auth';
import { getServices } from '@/server/services';
import { Alert, Button, Field, Input } from '@/ui/kit';

export const dynamic = 'force-dynamic';

async function createFirstAdmin(form: FormData) {
  'use server';
  const token = String(form.get('token') ?? '');
  const { handle } = await getServices();
  try {
    await completeFirstAdminSetup(handle.db, {
      token,
      email: String(form.get('email') ?? ''),
      name: String(form.get('name') ?? ''),
      password: String(form.get('password') ?? ''),
    });
  } catch (error) {
    if (error instanceof SetupError)
      redirect(
        `/setup?token=${encodeURIComponent(token)}&error=${encodeURIComponent(error.message)}`,
      );
    throw error;
  }
  redirect('/sign-in');
}

export default async function SetupPage({
  searchParams,
}: {
  searchParams: Promise<{ token?: string; error?: string }>;
}) {
  const { token, error } = await searchParams;
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <form
        action={createFirstAdmin}
        className="w-full max-w-sm space-y-3 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200"
      >
        <h1 className="text-lg font-semibold">Create the first admin</h1>
        <p className="text-slate-600">
          This one-time link was printed by the server on its first start.
        </p>
        <input type="hidden" name="token" value={token ?? ''} />
        <Field label="Name">
          <Input name="name" required autoFocus />
        </Field>
        <Field label="E-mail">
          <Input name="email" type="email" required />
        </Field>
        <Field label="Password" hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}>
          <Input name="password" type="password" minLength={MIN_PASSWORD_LENGTH} required />
        </Field>
        {error ? <Alert>{error}</Alert> : null}
        <Button tone="primary" type="submit" className="w-full justify-center">
          Create admin
        </Button>
      </form>
    </main>
  );
}
