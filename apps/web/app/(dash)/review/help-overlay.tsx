'use client';
import { useEffect, useRef } from 'react';
import { Kbd } from '@/ui/kit';
import { HELP } from './review-keys';

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div
      className="fixed inset-0 z-20 flex items-center justify-center bg-slate-900/40"
      onClick={onClose}
    >
      <div
        ref={ref}
        tabIndex={-1}
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        className="max-h-[90vh] w-[36rem] overflow-auto rounded-lg bg-white p-5 shadow-xl"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 className="mb-3 text-base font-semibold">Keyboard shortcuts</h2>
        {HELP.map((group) => (
          <section key={group.mode} className="mb-3">
            <h3 className="mb-1 text-xs font-semibold tracking-wide text-slate-500 uppercase">
              {group.mode}
            </h3>
            <dl className="grid grid-cols-[8rem_1fr] gap-y-1">
              {group.keys.map(([key, what]) => (
                <div key={key} className="contents">
                  <dt>
                    <Kbd>{key}</Kbd>
                  </dt>
                  <dd>{what}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
        <p className="text-xs text-slate-500">
          Press <Kbd>?</Kbd> or <Kbd>Esc</Kbd> to close.
        </p>
      </div>
    </div>
  );
}
