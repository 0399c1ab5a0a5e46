// The subjects / consents / export procedures through tRPC callers: input validation, error
// codes, and the flow an admin and an operator see.
import { TRPCError } from '@trpc/server';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import { subjects } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import { encodeRgbPng, generateSubject, renderReference } from '@musar/toyworld';
import { callerFor, insertTestUser, type Caller } from '../testing';

let handle: DbHandle;
let asAdmin: Caller;
let asOperator: Caller;
beforeAll(async () => {
  handle = await createTestDb();
  asAdmin = callerFor(handle.db, await insertTestUser(handle.db, 'admin'));
  asOperator = callerFor(handle.db, await insertTestUser(handle.db, 'operator'));
});
afterAll(() => handle.close());

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as TRPCError,
  );
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const subjectCount = async () => (await handle.db.select({ n: count() }).from(subjects))[0]!.n;

describe('subjects and consents over tRPC', () => {
  it('admin creates and grants; operator sees only subjects usable for generation', async () => {
    const star = await asAdmin.subjects.createToy({ seed: 5, views: 2 });
    const photo = await asAdmin.subjects.create({
      name: 'Mascot',
      kind: 'mascot',
      classWord: 'star toy',
      images: [b64(encodeRgbPng(renderReference(generateSubject(6), 48)))],
    });
    await asAdmin.consents.grant({
      subjectId: star.id,
      scope: 'generate',
      grantedBy: 'Toy Co',
      evidence: 'contract 12',
    });
    const usable = await asOperator.subjects.list({ usableFor: 'generate' });
    expect(usable.items.map((s) => s.id)).toContain(star.id);
    expect(usable.items.map((s) => s.id)).not.toContain(photo.id);
    const all = await asOperator.subjects.list();
    expect(all.items.find((s) => s.id === star.id)).toMatchObject({
      imageCount: 2,
      canGenerate: true,
      canTrain: false,
    });
    expect(all.items.find((s) => s.id === photo.id)).toMatchObject({
      imageCount: 1,
      canGenerate: false,
      kind: 'mascot',
    });
    expect(all.items.find((s) => s.id === photo.id)?.thumbnail).toMatch(/^data:image\/png;base64,/);
    const page = await asOperator.subjects.get({ subjectId: star.id });
    expect(page).toMatchObject({ kind: 'toy', canGenerate: true, canTrain: false });
    expect(page.images).toHaveLength(2);

    const revoked = await asAdmin.consents.revokeAll({
      subjectId: star.id,
      reason: 'contract ended',
    });
    expect(revoked.cascade?.lostScopes).toEqual(['generate']);
    const again = await asAdmin.consents.revokeAll({ subjectId: star.id, reason: 'twice' });
    expect(again).toMatchObject({ alreadyRevoked: true, cascade: null });
    expect(
      (await asOperator.subjects.list({ usableFor: 'generate' })).items.map((s) => s.id),
    ).not.toContain(star.id);
    const csv = await asAdmin.export.auditCsv({ targetId: star.id });
    expect(csv.csv).toMatch(/subject\.create/);
  });

  it('bad uploads are BAD_REQUEST with a clear message and store nothing', async () => {
    const before = await subjectCount();
    const base = { name: 'Bad', kind: 'product' as const, classWord: 'thing' };
    const cases: [string, string[], RegExp][] = [
      ['not base64', ['###not-base64###'], /base64/],
      [
        'not an image',
        [b64(new TextEncoder().encode('hello, I am a text file'))],
        /not a PNG or JPEG/,
      ],
      [
        'truncated',
        [b64(encodeRgbPng(renderReference(generateSubject(9), 64)).subarray(0, 60))],
        /corrupt|truncated|unreadable/i,
      ],
      ['no images', [], /1|least/],
    ];
    for (const [what, images, message] of cases) {
      const error = await errorOf(asAdmin.subjects.create({ ...base, images }));
      expect(error, what).toBeInstanceOf(TRPCError);
      expect(error!.code, what).toBe('BAD_REQUEST');
      expect(error!.message, what).toMatch(message);
    }
    const toy = await errorOf(
      asAdmin.subjects.create({ ...base, kind: 'toy' as never, images: ['AAAA'] }),
    );
    expect(toy?.code).toBe('BAD_REQUEST'); // toy subjects come from createToy only
    expect(await subjectCount()).toBe(before);
  });

  it('consent and erasure inputs are validated', async () => {
    const s = await asAdmin.subjects.createToy({ seed: 11, views: 1 });
    const bad: [string, () => Promise<unknown>, string][] = [
      [
        'expiry before start',
        () =>
          asAdmin.consents.grant({
            subjectId: s.id,
            scope: 'train',
            grantedBy: 'x',
            evidence: 'e',
            validFrom: '2030-01-02T00:00:00.000Z',
            expiresAt: '2030-01-01T00:00:00.000Z',
          }),
        'BAD_REQUEST',
      ],
      [
        'unknown scope',
        () =>
          asAdmin.consents.grant({
            subjectId: s.id,
            scope: 'sell' as never,
            grantedBy: 'x',
            evidence: 'e',
          }),
        'BAD_REQUEST',
      ],
      [
        'no evidence',
        () =>
          asAdmin.consents.grant({
            subjectId: s.id,
            scope: 'train',
            grantedBy: 'x',
            evidence: ' ',
          }),
        'BAD_REQUEST',
      ],
      [
        'unknown subject',
        () =>
          asAdmin.consents.grant({
            subjectId: '00000000-0000-4000-8000-000000000000',
            scope: 'train',
            grantedBy: 'x',
            evidence: 'e',
          }),
        'NOT_FOUND',
      ],
      [
        'unknown consent',
        () =>
          asAdmin.consents.revoke({
            consentId: '00000000-0000-4000-8000-000000000000',
            reason: 'r',
          }),
        'NOT_FOUND',
      ],
      [
        'wrong name',
        () => asAdmin.subjects.erase({ subjectId: s.id, confirmName: 'not it', reason: 'r' }),
        'BAD_REQUEST',
      ],
      ['malformed id', () => asAdmin.subjects.get({ subjectId: 'nope' }), 'BAD_REQUEST'],
    ];
    for (const [what, run, code] of bad) expect((await errorOf(run()))?.code, what).toBe(code);
    const pdf = Buffer.from('%PDF-1.4 signed release').toString('base64');
    const c = await asAdmin.consents.grant({
      subjectId: s.id,
      scope: 'train',
      grantedBy: 'x',
      evidence: 'e',
      evidenceFile: { name: 'release.pdf', base64: pdf },
    });
    expect(await asAdmin.consents.evidence({ consentId: c.id })).toEqual({
      name: 'release.pdf',
      mimeType: 'application/pdf',
      base64: pdf,
    });
    const none = await asAdmin.consents.grant({
      subjectId: s.id,
      scope: 'generate',
      grantedBy: 'x',
      evidence: 'e',
    });
    expect((await errorOf(asAdmin.consents.evidence({ consentId: none.id })))?.code).toBe(
      'NOT_FOUND',
    );
  });

  it("evidence file names are not kept verbatim: no path, the sniffed type's extension (issue 15, Lower)", async () => {
    const s = await asAdmin.subjects.createToy({ seed: 4242, views: 1 });
    const text = Buffer.from('<script>alert(1)</script> signed').toString('base64');
    const pdf = Buffer.from('%PDF-1.4 release').toString('base64');
    const names: [string, string, string][] = [
      ['../../etc/passwd', text, 'passwd.txt'],
      ['release.html', text, 'release.txt'],
      ['..\\..\\boot.ini', text, 'boot.txt'],
      ['.hidden.pdf', pdf, 'hidden.pdf'],
      ['report "final".pdf', pdf, 'report _final_.pdf'],
    ];
    for (const [name, base64, stored] of names) {
      const c = await asAdmin.consents.grant({
        subjectId: s.id,
        scope: 'generate',
        grantedBy: 'x',
        evidence: 'e',
        evidenceFile: { name, base64 },
      });
      expect(c.evidenceFile?.name, name).toBe(stored);
      expect((await asAdmin.consents.evidence({ consentId: c.id })).name, name).toBe(stored);
    }
  });
});
