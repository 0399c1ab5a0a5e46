// The keyboard map of the review workspace: one pure function from (mode, key) to an action, so
// the help overlay and the handler cannot disagree.
import type { TMode, TStrength } from './review-types';

export type TAction =
  | { type: 'approve' }
  | { type: 'startReject' }
  | { type: 'confirmReject' }
  | { type: 'cancel' }
  | { type: 'toggleReason'; index: number }
  | { type: 'toggleOverlay' }
  | { type: 'togglePaint' }
  | { type: 'brush'; subject: number }
  | { type: 'move'; dr: number; dc: number; paint: boolean }
  | { type: 'paint' }
  | { type: 'resetPaint' }
  | { type: 'selectSubject'; index: number }
  | { type: 'strength'; value: TStrength }
  | { type: 'undo' }
  | { type: 'skip' }
  | { type: 'next' }
  | { type: 'previous' }
  | { type: 'comment' }
  | { type: 'help' };

const ARROWS: Record<string, [number, number]> = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
};

export function keyAction(
  mode: TMode,
  e: Pick<KeyboardEvent, 'key' | 'shiftKey' | 'ctrlKey' | 'metaKey'>,
): TAction | null {
  const k = e.key;
  if (k === '?') return { type: 'help' };
  if ((e.ctrlKey || e.metaKey) && k.toLowerCase() === 'z') return { type: 'undo' };
  if (e.ctrlKey || e.metaKey) return null;
  if (k === 'Escape') return { type: 'cancel' };
  if (mode === 'reject') {
    if (/^[1-7]$/.test(k)) return { type: 'toggleReason', index: Number(k) - 1 };
    if (k === 'Enter') return { type: 'confirmReject' };
    if (k === 'c') return { type: 'comment' };
    return null;
  }
  if (mode === 'paint') {
    if (/^[0-9]$/.test(k)) return { type: 'brush', subject: Number(k) - 1 };
    const arrow = ARROWS[k];
    if (arrow) return { type: 'move', dr: arrow[0], dc: arrow[1], paint: e.shiftKey };
    if (k === ' ') return { type: 'paint' };
    if (k === 'x') return { type: 'resetPaint' };
    if (k === 'p' || k === 'Enter') return { type: 'togglePaint' };
    if (k === 'o') return { type: 'toggleOverlay' };
    return null;
  }
  if (/^[1-9]$/.test(k)) return { type: 'selectSubject', index: Number(k) - 1 };
  const simple: Record<string, TAction> = {
    a: { type: 'approve' },
    r: { type: 'startReject' },
    o: { type: 'toggleOverlay' },
    p: { type: 'togglePaint' },
    q: { type: 'strength', value: 'too_weak' },
    w: { type: 'strength', value: 'right' },
    e: { type: 'strength', value: 'too_strong' },
    u: { type: 'undo' },
    s: { type: 'skip' },
    j: { type: 'next' },
    k: { type: 'previous' },
    c: { type: 'comment' },
  };
  return simple[k] ?? null;
}

/** What the help overlay (`?`) lists, by mode. */
export const HELP: { mode: string; keys: [string, string][] }[] = [
  {
    mode: 'Reviewing',
    keys: [
      ['a', 'approve (with repaint and strength marks, if any)'],
      ['r', 'reject: choose reasons'],
      ['s', 'skip (item goes to the end of your queue)'],
      ['u / Ctrl+Z', 'undo your last decision (short window)'],
      ['o', 'toggle routing overlay'],
      ['p', 'paint the routing map'],
      ['1–9', 'select subject for strength feedback'],
      ['q / w / e', 'selected subject: too weak / right / too strong'],
      ['c', 'write a comment (Esc leaves the field)'],
      ['k / j', 'previous decided item / back to the queue'],
      ['?', 'this help'],
    ],
  },
  {
    mode: 'Reject',
    keys: [
      ['1–7', 'toggle a reason'],
      ['c', 'comment (required for “other”)'],
      ['Enter', 'reject'],
      ['Esc', 'cancel'],
    ],
  },
  {
    mode: 'Paint',
    keys: [
      ['0', 'background brush'],
      ['1–9', 'subject brush'],
      ['arrows', 'move the cursor'],
      ['Shift+arrows', 'paint while moving'],
      ['Space', 'paint the cell'],
      ['x', 'reset to the model’s map'],
      ['p / Enter / Esc', 'done painting'],
    ],
  },
];
