// Issue 15, finding 2: every read path of output bytes applies one rule (outputReadable) — the
// routing preview used to return the PNG of withdrawn outputs of a revoked subject.
import { eq } from 'drizzle-orm';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import { consents, outputs } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import { callerFor, insertTestUser, type Caller } from '../testing';
import type { SessionUser } from '../context';
import { revokeSubjectConsents } from '@musar/core/consent/revoke';
import { seedGeneration, seedSubject } from '@musar/core/testing/consent-fixtures';
import { exportApprovedZip } from '@musar/core/consent/export-outputs';
import { feedbackSamples } from '@musar/core/retrain/data';
import { getReviewItem } from '@musar/core/review/item';
import { trainingSet } from '@musar/core/retrain/training-set';

let handle: DbHandle;
let admin: SessionUser;
let reviewer: SessionUser;
let operator: Caller;

beforeAll(async () => {
  handle = await createTestDb();
  admin = await insertTestUser(handle.db, 'admin');
  reviewer = await insertTestUser(handle.db, 'reviewer');
  operator = callerFor(handle.db, await insertTestUser(handle.db, 'operator'));
});
afterAll(() => handle.close());

const previewImage = async (requestId: string) => {
  const [item] = await operator.routing.previewResult({ requestIds: [requestId] });
  return item!.output;
};
const exportedIds = async () =>
  Object.keys(unzipSync((await exportApprovedZip(handle.db, admin)).zip))
    .filter((k) => k.endsWith('.png'))
    .map((k) => k.slice('outputs/'.length, -'.png'.length));

describe('output bytes follow consent on every read path', () => {
  it('routing.previewResult refuses the image of a revoked subject', async () => {
    const a = await seedSubject(handle.db, admin);
    const gen = await seedGeneration(handle.db, [a.id], { outputs: ['pending_review'] });
    const before = await previewImage(gen.requestId);
    expect(before?.image).toMatch(/^data:image\/png;base64,.{40,}/);

    await revokeSubjectConsents(handle.db, admin, { subjectId: a.id, reason: 'asked' });
    const after = await previewImage(gen.requestId);
    expect(after).toMatchObject({ id: gen.outputIds[0], state: 'withdrawn', image: null });
    const item = await getReviewItem(handle.db, reviewer, { outputId: gen.outputIds[0]! });
    expect(item.image).toBeNull();
    expect(item.subjects.every((s) => s.references.length === 0)).toBe(true);
  });

  it('a consent that ran out before the expiry job withdrew the output already hides it everywhere', async () => {
    const a = await seedSubject(handle.db, admin);
    const b = await seedSubject(handle.db, admin);
    const gen = await seedGeneration(handle.db, [a.id, b.id], {
      outputs: ['approved', 'pending_review'],
    });
    const [approved, pending] = gen.outputIds as [string, string];
    expect((await previewImage(gen.requestId))?.image).not.toBeNull();
    expect(await exportedIds()).toContain(approved);
    expect((await getReviewItem(handle.db, reviewer, { outputId: pending })).image).not.toBeNull();
    expect((await trainingSet(handle.db)).outputIds).toContain(approved);

    // b's consents expired a moment ago; the expiry job has not run: the outputs are not withdrawn
    await handle.db
      .update(consents)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(consents.subjectId, b.id));
    const states = await handle.db
      .select({ state: outputs.state })
      .from(outputs)
      .where(eq(outputs.requestId, gen.requestId));
    expect(states.map((s) => s.state).sort()).toEqual(['approved', 'pending_review']);

    const preview = await previewImage(gen.requestId);
    expect(preview).toMatchObject({ state: 'approved', image: null });
    expect(await exportedIds()).not.toContain(approved);
    const item = await getReviewItem(handle.db, reviewer, { outputId: pending });
    expect(item.image).toBeNull();
    expect((await trainingSet(handle.db)).outputIds).not.toContain(approved);
    await expect(feedbackSamples(handle.db, [approved])).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
  });
});
