import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@musar/api';

export type TItem = inferRouterOutputs<AppRouter>['review']['item'];
export type TStrength = 'too_weak' | 'right' | 'too_strong';
export type TMode = 'normal' | 'reject' | 'paint';

/** Brush / overlay colour per subject index; background (-1) is left unpainted. */
export const SUBJECT_COLORS = ['#e11d48', '#2563eb', '#d97706', '#059669', '#7c3aed', '#0891b2'];
export const colorOf = (subject: number) =>
  subject < 0 ? 'transparent' : SUBJECT_COLORS[subject % SUBJECT_COLORS.length]!;

export const STRENGTH_LABEL: Record<TStrength, string> = {
  too_weak: 'too weak',
  right: 'right',
  too_strong: 'too strong',
};
