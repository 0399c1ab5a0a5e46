import { eq, sql } from 'drizzle-orm';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import { consents, outputs, reviews } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import { insertTestUser } from '../testing/users';
import type { SessionUser } from '../common/actor';
import { auditCsv, csvCell } from '../audit/audit-csv';
import { revokeSubjectConsents } from './revoke';
import { seedGeneration, seedModel, seedSubject } from '../testing/consent-fixtures';
import { exportApprovedZip } from './export-outputs';

let handle: DbHandle;
let admin: SessionUser;
let reviewer: SessionUser;
beforeAll(async () => {
  handle = await createTestDb();
  admin = await insertTestUser(handle.db, 'admin');
  reviewer = await insertTestUser(handle.db, 'reviewer');
});
afterAll(() => handle.close());

describe('export of approved outputs', () => {
  it('zips approved outputs with a manifest each, leaving out withdrawn and unconsented ones', async () => {
    const a = await seedSubject(handle.db, admin);
    const b = await seedSubject(handle.db, admin);
    const c = await seedSubject(handle.db, admin);
    const v = await seedModel(handle.db, {
      name: 'serving-v',
      state: 'serving',
      promotedMinutesAgo: 1,
    });
    const ab = await seedGeneration(handle.db, [a.id, b.id], {
      outputs: ['approved', 'pending_review'],
      modelVersionId: v,
    });
    const bOnly = await seedGeneration(handle.db, [b.id], {
      outputs: ['approved', 'rejected'],
      modelVersionId: v,
    });
    const cOnly = await seedGeneration(handle.db, [c.id], { outputs: ['approved'] });
    await handle.db.insert(reviews).values({
      outputId: bOnly.outputIds[0]!,
      reviewerId: reviewer.id,
      decision: 'approve',
      reasons: ['faithful'],
      comment: 'good',
    });

    const before = unzipSync((await exportApprovedZip(handle.db, admin)).zip);
    expect(
      Object.keys(before)
        .filter((k) => k.endsWith('.png'))
        .sort(),
    ).toEqual(
      [ab.outputIds[0], bOnly.outputIds[0], cOnly.outputIds[0]]
        .map((id) => `outputs/${id}.png`)
        .sort(),
    );

    await revokeSubjectConsents(handle.db, admin, { subjectId: a.id, reason: 'asked' });
    // c's consent ran out a moment ago; the expiry job has not run yet
    await handle.db.execute(
      sql`update consents set expires_at = now() - interval '1 second' where subject_id = ${c.id}`,
    );

    const res = await exportApprovedZip(handle.db, admin);
    expect(res.outputIds).toEqual([bOnly.outputIds[0]]);
    const files = unzipSync(res.zip);
    expect(Object.keys(files).sort()).toEqual([
      'index.json',
      `outputs/${bOnly.outputIds[0]}.json`,
      `outputs/${bOnly.outputIds[0]}.png`,
    ]);
    const [stored] = await handle.db
      .select()
      .from(outputs)
      .where(eq(outputs.id, bOnly.outputIds[0]!));
    expect(
      Buffer.from(files[`outputs/${bOnly.outputIds[0]}.png`]!).equals(Buffer.from(stored!.image!)),
    ).toBe(true);
    const manifest = JSON.parse(strFromU8(files[`outputs/${bOnly.outputIds[0]}.json`]!));
    const [bConsent] = await handle.db
      .select()
      .from(consents)
      .where(eq(consents.id, b.consentIds.generate!));
    expect(manifest).toMatchObject({
      outputId: bOnly.outputIds[0],
      requestId: bOnly.requestId,
      subjects: [{ id: b.id, position: 0, generateConsentIds: [bConsent!.id] }],
      modelVersion: { id: v, name: 'serving-v' },
      routingParams: {},
      steps: 20,
      routingMap: [[0, 1]],
      reviews: [
        { decision: 'approve', reasons: ['faithful'], comment: 'good', reviewer: reviewer.email },
      ],
    });
    expect(JSON.parse(strFromU8(files['index.json']!))).toMatchObject({ count: 1 });
    const [entry] = (await auditCsv(handle.db, { action: 'export.outputs' })).csv
      .trimEnd()
      .split('\r\n')
      .slice(-1);
    expect(entry).toContain(bOnly.outputIds[0]);
  });
});

describe('audit CSV', () => {
  it('quotes, neutralises formulas and filters', async () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
    expect(csvCell(null)).toBe('');
    const s = await seedSubject(handle.db, admin, ['generate']);
    const { csv, rows } = await auditCsv(handle.db, {
      actionPrefix: 'consent.',
      targetId: s.consentIds.generate,
    });
    expect(rows).toBe(1);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,at,actor,actor_id,action,target_type,target_id,before,after');
    expect(lines[1]).toContain(
      `,${admin.email},${admin.id},consent.grant,consent,${s.consentIds.generate},`,
    );
    const future = await auditCsv(handle.db, { from: new Date(Date.now() + 60_000) });
    expect(future.rows).toBe(0);
    expect((await auditCsv(handle.db, { actionPrefix: 'subject%' })).rows).toBe(0); // % is literal
  });
});
