// Content Credentials through the platform: approval adds a manifest chained to the generated one,
// undo takes it away, the export carries signed images that all validate, and verification of an
// image reports its subjects' consent as it stands today (a revocation shows).
import { and, eq, inArray, sql } from 'drizzle-orm';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRows, type DbHandle } from '@musar/db';
import { consents, outputs } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import { generateCredentials, sign, verify } from '@musar/provenance';
import { callerFor, insertTestUser, type Caller } from '../testing';
import type { SessionUser } from '../context';
import { revokeSubjectConsents } from '@musar/core/consent/revoke';
import { exportApprovedZip } from '@musar/core/consent/export-outputs';
import { useSigningCredentials } from '@musar/core/provenance/provenance';
import { pngOfMap, seedReviewItems } from '@musar/core/testing/review-fixtures';

let handle: DbHandle;
let admin: SessionUser;
let asReviewer: Caller;
let asOperator: Caller;
let seed: Awaited<ReturnType<typeof seedReviewItems>>;
let creds: Awaited<ReturnType<typeof generateCredentials>>;
let consentIds: string[];

beforeAll(async () => {
  handle = await createTestDb();
  creds = await generateCredentials({ organization: 'Test instance' });
  useSigningCredentials(async () => ({ ...creds, source: 'test' }));
  admin = await insertTestUser(handle.db, 'admin');
  asReviewer = callerFor(handle.db, await insertTestUser(handle.db, 'reviewer'));
  asOperator = callerFor(handle.db, await insertTestUser(handle.db, 'operator'));
  seed = await seedReviewItems(handle.db, { count: 3, subjects: 2 });
  // a generate consent in force for each subject (the fixture may already grant one)
  for (const subjectId of seed.subjectIds) {
    const held = await handle.db
      .select({ id: consents.id })
      .from(consents)
      .where(and(eq(consents.subjectId, subjectId), eq(consents.scope, 'generate')));
    if (held.length === 0)
      await handle.db.insert(consents).values({
        subjectId,
        scope: 'generate',
        grantedBy: 'Fixture owner',
        evidence: 'provenance test',
      });
  }
  consentIds = (
    await handle.db
      .select({ id: consents.id })
      .from(consents)
      .where(and(inArray(consents.subjectId, seed.subjectIds), eq(consents.scope, 'generate')))
  ).map((c) => c.id);
  // the worker signs what it stores; these fixtures are written directly, so sign them here
  for (const [index, outputId] of seed.outputIds.entries()) {
    const image = await sign(
      pngOfMap(seed.map, seed.grid, 32, index),
      {
        requestId: seed.requestId,
        index,
        seed: index,
        model: { versionId: null, name: 'fixture model', weightsSha256: 'cd'.repeat(32) },
        routing: { threshold: 0.3 },
        subjectIds: seed.subjectIds,
        consentRecordIds: consentIds,
        createdAt: new Date().toISOString(),
      },
      creds,
    );
    await handle.db.update(outputs).set({ image }).where(eq(outputs.id, outputId));
  }
});
afterAll(() => handle.close());

const row = async (id: string) =>
  (
    await executeRows<{ image: Uint8Array; approved_image: Uint8Array | null; state: string }>(
      handle.db,
      sql`select image, approved_image, state from outputs where id = ${id}`,
    )
  )[0]!;
const next = async () => (await asReviewer.review.next())['items'][0]!.outputId;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('approval credentials', () => {
  it('approval adds a manifest recording the decision, chained to the generated one; undo removes it', async () => {
    const id = await next();
    const generated = await verify((await row(id)).image);
    expect(generated).toMatchObject({
      valid: true,
      manifests: [expect.objectContaining({ review: null })],
    });
    await asReviewer.review.decide({ outputId: id, decision: 'approve' });
    const { approved_image, image } = await row(id);
    expect((await verify(image)).manifests).toHaveLength(1); // the generated image is kept as it was
    const approved = await verify(approved_image!, { trustAnchors: [creds.caPem] });
    expect(approved.errors).toEqual([]);
    expect(approved).toMatchObject({ valid: true, trusted: true });
    expect(approved.manifests.map((m) => m.label)).toEqual([
      generated.activeManifest,
      approved.activeManifest,
    ]);
    const active = approved.manifests.find((m) => m.active)!;
    expect(active.parents).toEqual([generated.activeManifest]);
    expect(active.review).toMatchObject({
      outputId: id,
      decision: 'approved',
      via: 'consensus',
      reviewers: [{ role: 'reviewer' }],
    });
    expect(Date.parse(active.review!.decidedAt)).toBeGreaterThan(Date.now() - 60_000);

    await asReviewer.review.undo();
    expect(await row(id)).toMatchObject({ state: 'pending_review', approved_image: null });
    await asReviewer.review.decide({ outputId: await next(), decision: 'approve' });
  });

  it('the export carries approved images whose credentials all validate', async () => {
    await asReviewer.review.decide({
      outputId: await next(),
      decision: 'reject',
      reasons: ['low_quality'],
    });
    const res = await exportApprovedZip(handle.db, admin);
    expect(res.count).toBeGreaterThan(0);
    const files = unzipSync(res.zip);
    const pngs = Object.entries(files).filter(([name]) => name.endsWith('.png'));
    expect(pngs).toHaveLength(res.count);
    for (const [, png] of pngs) {
      const result = await verify(png, { trustAnchors: [creds.caPem] });
      expect(result).toMatchObject({
        hasCredentials: true,
        valid: true,
        trusted: true,
        errors: [],
      });
      expect(
        result.manifests.map((m) => (m.review ? 'approval' : m.generation ? 'generation' : '?')),
      ).toEqual(['generation', 'approval']);
    }
  });
});

describe('provenance.verify', () => {
  it('reports a plain PNG as having no credentials', async () => {
    const result = await asOperator.provenance.verify({
      imageBase64: b64(pngOfMap(seed.map, seed.grid, 32)),
    });
    expect(result).toMatchObject({
      hasCredentials: false,
      valid: false,
      errors: ['no credentials'],
      subjects: [],
    });
  });

  it('shows consent in force, then the revocation of a subject the image relied on', async () => {
    const image = (await row(seed.outputIds[2]!)).image;
    const before = await asOperator.provenance.verify({ imageBase64: b64(image) });
    expect(before).toMatchObject({
      hasCredentials: true,
      valid: true,
      trusted: true,
      consentInForce: true,
    });
    expect(before.subjects.map((s) => s.subjectId)).toEqual(seed.subjectIds);

    const [revoked, kept] = seed.subjectIds;
    await revokeSubjectConsents(handle.db, admin, {
      subjectId: revoked!,
      reason: 'withdrew consent',
    });
    const after = await asOperator.provenance.verify({ imageBase64: b64(image) });
    expect(after.valid).toBe(true); // the credentials are intact; the consent is what changed
    expect(after.consentInForce).toBe(false);
    const gone = after.subjects.find((s) => s.subjectId === revoked)!;
    expect(gone.inForce).toBe(false);
    expect(gone.records.length).toBeGreaterThan(0);
    for (const r of gone.records)
      expect(r).toMatchObject({ revoked: true, inForce: false, revokedAt: expect.any(String) });
    const still = after.subjects.find((s) => s.subjectId === kept)!;
    expect(still.inForce).toBe(true);
    expect(still.records.length).toBeGreaterThan(0);
    for (const r of still.records) expect(r).toMatchObject({ revoked: false, inForce: true });
  });

  it('rejects input that is not base64', async () => {
    await expect(
      asOperator.provenance.verify({ imageBase64: 'not base64!' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
