// Plain-words readings of a verification result (kept apart from the components so they are
// unit-tested): the overall verdict, each subject's consent today, and HTTP failures.
import type { TConsentStanding, TImageCredentials } from '@musar/api';

/** The largest image the server checks (POST /api/provenance/verify). */
export const MAX_IMAGE_BYTES = 12 * 1024 * 1024;

export type TVerdict = 'none' | 'valid' | 'invalid';

export function verdictOf(r: Pick<TImageCredentials, 'hasCredentials' | 'valid'>): TVerdict {
  if (!r.hasCredentials) return 'none';
  return r.valid ? 'valid' : 'invalid';
}

export type TSubjectStatus = 'in-force' | 'revoked' | 'expired' | 'erased' | 'unknown' | 'none';

/** A subject's consent to generation as of today, one word for the page and its tests. */
export function subjectStatus(s: TConsentStanding): TSubjectStatus {
  if (s.erased) return 'erased';
  if (s.name === null) return 'unknown';
  if (s.inForce) return 'in-force';
  if (s.records.some((r) => r.revoked)) return 'revoked';
  if (s.records.some((r) => r.expired)) return 'expired';
  return 'none';
}

export const SUBJECT_STATUS_TEXT: Record<TSubjectStatus, string> = {
  'in-force': 'Consent in force today',
  revoked: 'Consent revoked',
  expired: 'Consent expired',
  erased: 'Subject erased — consent no longer in force',
  unknown: 'Not known on this instance',
  none: 'No consent to generation in force today',
};

/** What to tell the user when the check itself failed (not: the image failed the check). */
export function failureMessage(status: number, serverMessage?: string): string {
  if (status === 401) return 'Your session has ended. Sign in again, then drop the image again.';
  if (status === 413) return 'This image is larger than 12 MiB, the most this page can check.';
  if (status === 403) return 'The server refused the request. Reload the page and try again.';
  if (status >= 500) return 'The server could not check this image. Try again in a moment.';
  return serverMessage
    ? `The image could not be checked: ${serverMessage}`
    : 'The image could not be checked.';
}

const SOURCE_TYPES: Record<string, string> = {
  trainedAlgorithmicMedia: 'AI-generated (trained algorithmic media)',
  compositeWithTrainedAlgorithmicMedia: 'Composite including AI-generated parts',
  algorithmicMedia: 'Algorithmic media (not from a trained model)',
  digitalCapture: 'Digital capture (camera)',
};

/** IPTC digital source type URL → words, e.g. …/trainedAlgorithmicMedia → "AI-generated …". */
export function sourceTypeText(url: string): string {
  const code = url.split('/').pop() ?? url;
  return SOURCE_TYPES[code] ?? code;
}

const ACTIONS: Record<string, string> = {
  'c2pa.created': 'Created',
  'c2pa.opened': 'Opened (from an earlier version)',
  'c2pa.published': 'Published',
  'c2pa.edited': 'Edited',
};

export const actionText = (action: string) => ACTIONS[action] ?? action;
