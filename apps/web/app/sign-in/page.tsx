import { SignInForm } from './sign-in-form';

export default function SignInPage() {
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="w-full max-w-sm space-y-4 rounded-lg bg-white p-6 shadow-sm ring-1 ring-slate-200">
        <div>
          <h1 className="text-lg font-semibold">MUSAR Review</h1>
          <p className="text-slate-600">Sign in to continue.</p>
        </div>
        <SignInForm />
      </div>
    </main>
  );
}
