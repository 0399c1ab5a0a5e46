import { describe, expect, it } from 'vitest';
import type { TConsentStanding } from '@musar/api';
import {
  failureMessage,
  sourceTypeText,
  subjectStatus,
  SUBJECT_STATUS_TEXT,
  verdictOf,
} from './credentials-status';

const standing = (over: Partial<TConsentStanding> = {}): TConsentStanding => ({
  subjectId: 's1',
  name: 'Alpha',
  erased: false,
  inForce: true,
  records: [],
  ...over,
});
const record = (over: Partial<TConsentStanding['records'][number]> = {}) => ({
  id: 'c1',
  revoked: false,
  revokedAt: null,
  expired: false,
  inForce: true,
  ...over,
});

describe('credentials page readings', () => {
  it('verdict: no credentials, valid, invalid', () => {
    expect(verdictOf({ hasCredentials: false, valid: false })).toBe('none');
    expect(verdictOf({ hasCredentials: true, valid: true })).toBe('valid');
    expect(verdictOf({ hasCredentials: true, valid: false })).toBe('invalid');
  });

  it("a subject's consent today: in force, revoked, expired, erased, unknown", () => {
    expect(subjectStatus(standing({ records: [record()] }))).toBe('in-force');
    const revoked = standing({
      inForce: false,
      records: [record({ revoked: true, revokedAt: '2026-01-01T00:00:00Z', inForce: false })],
    });
    expect(subjectStatus(revoked)).toBe('revoked');
    expect(SUBJECT_STATUS_TEXT[subjectStatus(revoked)]).toBe('Consent revoked');
    expect(
      subjectStatus(
        standing({ inForce: false, records: [record({ expired: true, inForce: false })] }),
      ),
    ).toBe('expired');
    // erased wins over an (impossible) in-force flag; an unknown subject is not "in force"
    expect(subjectStatus(standing({ erased: true }))).toBe('erased');
    expect(subjectStatus(standing({ name: null, inForce: false }))).toBe('unknown');
    expect(subjectStatus(standing({ inForce: false }))).toBe('none');
  });

  it('failures in plain words', () => {
    expect(failureMessage(413)).toMatch(/larger than 12 MiB/);
    expect(failureMessage(401)).toMatch(/Sign in again/);
    expect(failureMessage(500)).toMatch(/could not check/);
    expect(failureMessage(400, 'The file is empty')).toBe(
      'The image could not be checked: The file is empty',
    );
  });

  it('the IPTC source type in words', () => {
    expect(
      sourceTypeText('http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia'),
    ).toBe('AI-generated (trained algorithmic media)');
    expect(sourceTypeText('http://example.com/x/other')).toBe('other');
  });
});
