// A small set of styled primitives (Tailwind). Native elements underneath, so keyboard and
// screen-reader behaviour comes from the browser.
import type { ComponentProps, ReactNode } from 'react';

const cx = (...parts: (string | false | null | undefined)[]) => parts.filter(Boolean).join(' ');

type Tone = 'primary' | 'secondary' | 'danger' | 'ghost';
const tones: Record<Tone, string> = {
  primary: 'bg-indigo-600 text-white hover:bg-indigo-500 disabled:bg-indigo-300',
  secondary: 'bg-white text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50',
  danger: 'bg-rose-600 text-white hover:bg-rose-500 disabled:bg-rose-300',
  ghost: 'text-slate-700 hover:bg-slate-100',
};

export function Button({
  tone = 'secondary',
  className,
  ...props
}: ComponentProps<'button'> & { tone?: Tone }) {
  return (
    <button
      type="button"
      {...props}
      className={cx(
        'inline-flex items-center gap-1 rounded-md px-2.5 py-1.5 text-sm font-medium disabled:cursor-not-allowed',
        tones[tone],
        className,
      )}
    />
  );
}

export function Input({ className, ...props }: ComponentProps<'input'>) {
  return (
    <input
      {...props}
      className={cx(
        'block w-full rounded-md border-0 px-2.5 py-1.5 ring-1 ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-500',
        className,
      )}
    />
  );
}

export function Select({ className, ...props }: ComponentProps<'select'>) {
  return (
    <select
      {...props}
      className={cx(
        'rounded-md border-0 bg-white py-1 pr-7 pl-2 ring-1 ring-slate-300 focus:ring-2 focus:ring-indigo-500',
        className,
      )}
    />
  );
}

/** A labelled control; `error` (plain words) is shown right under it, in red. */
export function Field({
  label,
  children,
  hint,
  error,
}: {
  label: string;
  children: ReactNode;
  hint?: string;
  error?: string | null;
}) {
  return (
    <label className="block min-w-0 space-y-1">
      <span className="text-xs font-medium text-slate-600">{label}</span>
      {children}
      {hint ? <span className="block text-xs text-slate-500">{hint}</span> : null}
      {error ? <FieldError>{error}</FieldError> : null}
    </label>
  );
}

/** A field's validation message (for controls not wrapped in <Field>, e.g. a fieldset). */
export function FieldError({ children }: { children: ReactNode }) {
  return (
    <span className="block text-xs font-medium text-rose-700" data-testid="field-error">
      {children}
    </span>
  );
}

export function Badge({
  tone = 'slate',
  children,
}: {
  tone?: 'slate' | 'rose' | 'indigo' | 'emerald' | 'amber';
  children: ReactNode;
}) {
  const colors = {
    slate: 'bg-slate-100 text-slate-700',
    rose: 'bg-rose-100 text-rose-700',
    indigo: 'bg-indigo-100 text-indigo-700',
    emerald: 'bg-emerald-100 text-emerald-700',
    amber: 'bg-amber-100 text-amber-800',
  };
  return (
    <span className={cx('inline-flex rounded px-1.5 py-0.5 text-xs font-medium', colors[tone])}>
      {children}
    </span>
  );
}

export function Kbd({ children }: { children: ReactNode }) {
  return (
    <kbd className="rounded border border-slate-300 bg-white px-1 font-mono text-[10px] text-slate-500">
      {children}
    </kbd>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="mb-4 flex flex-wrap items-center justify-between gap-x-4 gap-y-2">
      <h1 className="text-lg font-semibold">{title}</h1>
      <div className="flex min-w-0 flex-wrap items-center gap-2">{children}</div>
    </div>
  );
}

/** What an empty list means and what to do about it (never bare table headers). */
export function EmptyState({
  title,
  children,
  testId = 'empty-state',
}: {
  title: string;
  children?: ReactNode;
  testId?: string;
}) {
  return (
    <div className="rounded-lg bg-white p-5 ring-1 ring-slate-200" data-testid={testId}>
      <p className="font-medium">{title}</p>
      {children ? <div className="mt-1 space-y-1 text-slate-600">{children}</div> : null}
    </div>
  );
}

/** The dashboard's one table: scrolls inside its own box on narrow screens (the page never
 * does), a header row, and an empty state instead of bare headers when there are no rows. */
export function Table({
  head,
  children,
  empty,
  rows,
  testId,
  caption,
  dense = false,
  className,
}: {
  /** Column headers; '' for an unlabelled (actions) column. */
  head: ReactNode[];
  children: ReactNode;
  /** Shown instead of the table when `rows` is 0. */
  empty?: ReactNode;
  rows?: number;
  testId?: string;
  caption?: ReactNode;
  dense?: boolean;
  className?: string;
}) {
  if (rows === 0 && empty) return <>{empty}</>;
  return (
    // focusable, so a keyboard user can scroll a table wider than the screen
    <div
      tabIndex={0}
      className={cx(
        'relative max-w-full overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200',
        className,
      )}
    >
      <table
        className={cx('min-w-full text-left', dense ? 'text-xs' : 'text-sm')}
        data-testid={testId}
        data-dense={dense || undefined}
      >
        {caption ? <caption className="px-3 py-2 text-left font-medium">{caption}</caption> : null}
        <thead className="border-b border-slate-200 text-xs text-slate-500 uppercase">
          <tr>
            {head.map((h, i) => (
              <th key={i} scope="col" className="px-3 py-2 font-medium whitespace-nowrap">
                {h === '' ? <span className="sr-only">Actions</span> : h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 [&_td]:px-3 [&_td]:py-1.5 [&_td]:align-top">
          {children}
        </tbody>
      </table>
    </div>
  );
}

export function Alert({
  children,
  tone = 'rose',
}: {
  children: ReactNode;
  tone?: 'rose' | 'emerald';
}) {
  const colors =
    tone === 'rose'
      ? 'bg-rose-50 text-rose-800 ring-rose-200'
      : 'bg-emerald-50 text-emerald-800 ring-emerald-200';
  return (
    <div role="alert" className={cx('rounded-md px-3 py-2 ring-1', colors)}>
      {children}
    </div>
  );
}

export function NoAccess() {
  return (
    <div className="rounded-lg bg-white p-6 ring-1 ring-slate-200" data-testid="no-access">
      <h1 className="text-lg font-semibold">No access</h1>
      <p className="mt-1 text-slate-600">Your role cannot open this area.</p>
    </div>
  );
}
