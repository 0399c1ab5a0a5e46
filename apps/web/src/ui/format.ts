// One way to show dates and the review vocabulary everywhere (server and client render the same
// text, so no hydration mismatch): ISO-like, UTC, to the minute.

/** `2026-11-26 14:03 UTC`; '—' for null. */
export function formatWhen(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const d = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `2026-11-26`; '—' for null. */
export function formatDay(value: string | Date | null | undefined): string {
  if (!value) return '—';
  const d = typeof value === 'string' ? new Date(value) : value;
  return Number.isNaN(d.getTime()) ? '—' : d.toISOString().slice(0, 10);
}

/** The reject reasons' words (the taxonomy's ids are for the API). */
export const REASON_LABEL: Record<string, string> = {
  identity_wrong: 'Identity wrong',
  attribute_leakage: 'Attribute leakage',
  diptych_seam: 'Diptych seam',
  missing_subject: 'Missing subject',
  wrong_layout: 'Wrong layout',
  low_quality: 'Low quality',
  other: 'Other',
};
export const reasonLabel = (id: string) => REASON_LABEL[id] ?? id.replace(/_/g, ' ');

/** Output and request states in words. */
export const STATE_LABEL: Record<string, string> = {
  pending_review: 'in review',
  approved: 'approved',
  rejected: 'rejected',
  withdrawn: 'withdrawn',
  queued: 'queued',
  running: 'running',
  succeeded: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};
export const stateLabel = (s: string) => STATE_LABEL[s] ?? s.replace(/_/g, ' ');
