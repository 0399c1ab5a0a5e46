import { describe, expect, it } from 'vitest';
import { MIN_PASSWORD_LENGTH } from '@musar/auth';
import { fieldErrors, MIN_PASSWORD, ZConsentForm, ZCreateGeneration, ZCreateUser } from './forms';

const uuid = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

describe('form schemas (shared by the routers and the browser)', () => {
  it('name each mistake of a generation request next to its field, in plain words', () => {
    const r = ZCreateGeneration.safeParse({
      subjectIds: [uuid(1)],
      prompt: ' ',
      count: Number('x'),
      steps: 500,
      routing: { threshold: 2 },
    });
    expect(r.success).toBe(false);
    const e = fieldErrors(r.error!);
    expect(e.subjectIds).toBe('pick at least 2 subjects');
    expect(e.prompt).toBe('write a prompt');
    expect(e.count).toBe('enter a number of images');
    expect(e.steps).toBe('at most 100 steps');
    expect(e['routing.threshold']).toBe('must be at most 1');
    for (const message of Object.values(e)) expect(message).not.toMatch(/[[{]|expected|received/);
  });

  it('accept a valid request', () => {
    const r = ZCreateGeneration.safeParse({
      subjectIds: [uuid(1), uuid(2)],
      prompt: 'a star toy',
      count: 4,
      steps: 20,
    });
    expect(r.success).toBe(true);
  });

  it('consent: evidence and grantor required, expiry after the start', () => {
    const r = ZConsentForm.safeParse({
      subjectId: uuid(1),
      scope: 'generate',
      grantedBy: '',
      evidence: '',
    });
    const e = fieldErrors(r.error!);
    expect(Object.keys(e).sort()).toEqual(['evidence', 'grantedBy']);
    const dates = ZConsentForm.safeParse({
      subjectId: uuid(1),
      scope: 'generate',
      grantedBy: 'Jo',
      evidence: 'signed',
      validFrom: '2026-02-01T00:00:00.000Z',
      expiresAt: '2026-01-01T00:00:00.000Z',
    });
    expect(fieldErrors(dates.error!).expiresAt).toBe('the expiry must be after the start');
  });

  it('users: the password rule is the server’s', () => {
    expect(MIN_PASSWORD).toBe(MIN_PASSWORD_LENGTH);
    const e = fieldErrors(
      ZCreateUser.safeParse({ email: 'x', name: '', role: 'reviewer', password: 'short' }).error!,
    );
    expect(e).toEqual({
      email: expect.stringContaining('e-mail'),
      name: 'enter a name',
      password: `at least ${MIN_PASSWORD} characters`,
    });
  });
});
