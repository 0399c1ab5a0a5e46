'use client';
// Reasons (numbered, the fixed taxonomy), comment, and buttons for those who use a pointer too.
import type { RefObject } from 'react';
import type { TErrors } from '@/ui/form-errors';
import { Button, FieldError, Kbd } from '@/ui/kit';
import type { TMode } from './review-types';

type Props = {
  reasons: { id: string; label: string }[];
  chosen: string[];
  /** the server's refusal of the last decision: `reasons` and `comment` shown at their controls */
  errors: TErrors;
  mode: TMode;
  comment: string;
  commentRef: RefObject<HTMLTextAreaElement | null>;
  busy: boolean;
  readOnly: boolean;
  onComment: (text: string) => void;
  onToggle: (index: number) => void;
  onApprove: () => void;
  onReject: () => void;
  onCancelReject: () => void;
  onConfirmReject: () => void;
  onSkip: () => void;
};

export function DecisionPanel(p: Props) {
  return (
    <div className="space-y-3" data-testid="decision-panel">
      {/* the decision first: at 1280×800 it is in view without scrolling */}
      <div className="flex flex-wrap gap-2">
        <Button tone="primary" disabled={p.busy || p.readOnly} onClick={p.onApprove}>
          Approve <Kbd>a</Kbd>
        </Button>
        {p.mode === 'reject' ? (
          <>
            <Button
              tone="danger"
              disabled={p.busy || p.readOnly || p.chosen.length === 0}
              onClick={p.onConfirmReject}
            >
              Reject <Kbd>Enter</Kbd>
            </Button>
            <Button tone="ghost" onClick={p.onCancelReject}>
              Cancel <Kbd>Esc</Kbd>
            </Button>
          </>
        ) : (
          <Button tone="danger" disabled={p.busy || p.readOnly} onClick={p.onReject}>
            Reject… <Kbd>r</Kbd>
          </Button>
        )}
        <Button disabled={p.busy || p.readOnly} onClick={p.onSkip}>
          Skip <Kbd>s</Kbd>
        </Button>
      </div>
      <fieldset
        className={`rounded-md p-2 ring-1 ${p.mode === 'reject' ? 'ring-2 ring-rose-400' : 'ring-slate-200'}`}
        aria-label="Reject reasons"
      >
        <legend className="px-1 text-xs font-medium text-slate-600">
          Reject reasons {p.mode === 'reject' ? '(1–7, Enter to reject, Esc to cancel)' : '(r)'}
        </legend>
        <ul className="space-y-0.5">
          {p.reasons.map((r, i) => (
            <li key={r.id}>
              <label className="flex items-center gap-2">
                <input
                  type="checkbox"
                  checked={p.chosen.includes(r.id)}
                  onChange={() => p.onToggle(i)}
                  data-reason={r.id}
                  tabIndex={-1}
                />
                <Kbd>{i + 1}</Kbd>
                <span>{r.label}</span>
              </label>
            </li>
          ))}
        </ul>
        {p.errors.reasons ? <FieldError>{p.errors.reasons}</FieldError> : null}
      </fieldset>
      <label className="block space-y-1">
        <span className="text-xs font-medium text-slate-600">Comment (c)</span>
        <textarea
          ref={p.commentRef}
          value={p.comment}
          onChange={(e) => p.onComment(e.target.value)}
          rows={2}
          maxLength={2000}
          aria-invalid={Boolean(p.errors.comment)}
          className="block w-full rounded-md px-2 py-1 ring-1 ring-slate-300"
        />
        {p.errors.comment ? <FieldError>{p.errors.comment}</FieldError> : null}
      </label>
    </div>
  );
}
