'use client';
import { useEffect, useRef, type ReactNode } from 'react';

/** A modal on the native <dialog>: focus trap and Escape come from the browser. */
export function Modal({
  title,
  onClose,
  children,
  width = 'lg',
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** max-width of the dialog: `md` for short forms, `lg` (default) for longer ones */
  width?: 'md' | 'lg';
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-label={title}
      className={`m-auto w-full ${width === 'md' ? 'max-w-md' : 'max-w-lg'} rounded-lg p-0 shadow-xl backdrop:bg-slate-900/30`}
    >
      <div className="space-y-3 p-5">
        <h2 className="text-base font-semibold">{title}</h2>
        {children}
      </div>
    </dialog>
  );
}
