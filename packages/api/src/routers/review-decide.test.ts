// Decisions, undo and bad input: every refusal says why and leaves the database as it was.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { executeRows, type DbHandle } from '@musar/db';
import { createTestDb } from '@musar/db/testing';
import { callerFor, insertTestUser, type Caller } from '../testing';
import { consents } from '@musar/db/schema';
import { revokeSubjectConsents } from '@musar/core/consent/revoke';
import { seedReviewItems } from '@musar/core/testing/review-fixtures';

let handle: DbHandle;
let asAlice: Caller;
let seed: Awaited<ReturnType<typeof seedReviewItems>>;

beforeAll(async () => {
  handle = await createTestDb();
  asAlice = callerFor(handle.db, await insertTestUser(handle.db, 'reviewer', 'Alice'));
  seed = await seedReviewItems(handle.db, { count: 12, subjects: 2 });
});
afterAll(() => handle.close());

const current = async () => (await asAlice.review.next())['items'][0]!.outputId;
const snapshot = async (id: string) =>
  (
    await executeRows<{ state: string; reviews: number; audits: number; leased: boolean }>(
      handle.db,
      sql`select state, (select count(*)::int from reviews where output_id = ${id}) as reviews,
            (select count(*)::int from audit_log where target_id = ${id}) as audits,
            leased_by is not null as leased from outputs where id = ${id}`,
    )
  )[0]!;

describe('decisions', () => {
  beforeEach(async () => {
    // a clean slate for undo: no live decision is within the window unless the test makes one
    await handle.db.execute(sql`update reviews set created_at = created_at - interval '1 hour'`);
  });

  it('approve and reject with two reasons settle the item, with an audit entry each', async () => {
    const a = await current();
    const approved = await asAlice.review.decide({
      outputId: a,
      decision: 'approve',
      comment: 'clean',
    });
    expect(approved).toMatchObject({
      state: 'approved',
      decisions: 1,
      needed: 1,
      inAdjudication: false,
    });
    const b = await current();
    expect(b).not.toBe(a);
    await asAlice.review.decide({
      outputId: b,
      decision: 'reject',
      reasons: ['identity_wrong', 'attribute_leakage'],
    });
    expect(await snapshot(a)).toEqual({ state: 'approved', reviews: 1, audits: 1, leased: false });
    expect(await snapshot(b)).toEqual({ state: 'rejected', reviews: 1, audits: 1, leased: false });
    const [row] = await executeRows<{ reasons: string[] }>(
      handle.db,
      sql`select reasons from reviews where output_id = ${b}`,
    );
    expect(row!.reasons).toEqual(['identity_wrong', 'attribute_leakage']);
    await expect(
      asAlice.review.decide({ outputId: a, decision: 'reject', reasons: ['low_quality'] }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('stores a repaint in the original layout and per-subject strength feedback', async () => {
    const id = await current();
    const cells = seed.map.map((c, i) => (i < 8 ? 1 : c)); // paint the top row as subject 1
    const strength = { [seed.subjectIds[0]!]: 'too_weak', [seed.subjectIds[1]!]: 'right' } as const;
    await asAlice.review.decide({
      outputId: id,
      decision: 'approve',
      repaint: { rows: 8, cols: 8, cells },
      strength,
    });
    const [row] = await executeRows<{ routing_correction: unknown; strength_feedback: unknown }>(
      handle.db,
      sql`select routing_correction, strength_feedback from reviews where output_id = ${id}`,
    );
    expect(row!.routing_correction).toEqual(cells); // outputs store a flat array, so does the correction
    expect(row!.strength_feedback).toEqual(strength);
  });

  it('undo within the window reopens the item for me; outside it, or twice, is refused', async () => {
    const id = await current();
    const decided = await asAlice.review.decide({
      outputId: id,
      decision: 'reject',
      reasons: ['wrong_layout'],
    });
    const undone = await asAlice.review.undo({ reviewId: decided.reviewId });
    expect(undone).toMatchObject({ outputId: id, state: 'pending_review', heldAgain: true });
    expect(await snapshot(id)).toMatchObject({ state: 'pending_review', reviews: 1, leased: true });
    expect((await asAlice.review.next()).items[0]!.outputId).toBe(id);
    await expect(asAlice.review.undo({ reviewId: decided.reviewId })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
    // decide again, then let the window pass
    const again = await asAlice.review.decide({ outputId: id, decision: 'approve' });
    await handle.db.execute(
      sql`update reviews set created_at = now() - interval '10 minutes' where id = ${again.reviewId}`,
    );
    await expect(asAlice.review.undo()).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/undo window/),
    });
    expect(await snapshot(id)).toMatchObject({ state: 'approved' });
  });
});

describe('bad input is refused and nothing changes', () => {
  it('wrong-size repaint, unknown subject, bad reasons, unknown strength subject', async () => {
    const id = await current();
    const before = await snapshot(id);
    const cases: [string, Parameters<Caller['review']['decide']>[0], string, RegExp][] = [
      [
        'wrong size',
        {
          outputId: id,
          decision: 'approve',
          repaint: { rows: 4, cols: 4, cells: Array(16).fill(0) },
        },
        'BAD_REQUEST',
        /4×4.*8×8/,
      ],
      [
        'unknown subject',
        {
          outputId: id,
          decision: 'approve',
          repaint: { rows: 8, cols: 8, cells: Array(64).fill(2) },
        },
        'BAD_REQUEST',
        /unknown subject 2/,
      ],
      [
        'cells ≠ rows×cols',
        { outputId: id, decision: 'approve', repaint: { rows: 8, cols: 8, cells: [0] } },
        'BAD_REQUEST',
        /rows × cols/,
      ],
      [
        'reject without reason',
        { outputId: id, decision: 'reject' },
        'BAD_REQUEST',
        /at least one reason/,
      ],
      [
        'approve with reason',
        { outputId: id, decision: 'approve', reasons: ['low_quality'] },
        'BAD_REQUEST',
        /no rejection reasons/,
      ],
      [
        'other without comment',
        { outputId: id, decision: 'reject', reasons: ['other'] },
        'BAD_REQUEST',
        /needs a comment/,
      ],
      [
        'reason outside taxonomy',
        { outputId: id, decision: 'reject', reasons: ['ugly' as never] },
        'BAD_REQUEST',
        /reasons/,
      ],
      [
        'repeated reason',
        { outputId: id, decision: 'reject', reasons: ['low_quality', 'low_quality'] },
        'BAD_REQUEST',
        /repeat/,
      ],
      [
        'strength for a stranger',
        {
          outputId: id,
          decision: 'approve',
          strength: { '00000000-0000-4000-8000-000000000000': 'right' },
        },
        'BAD_REQUEST',
        /not in this output/,
      ],
      [
        'strength value',
        { outputId: id, decision: 'approve', strength: { [seed.subjectIds[0]!]: 'meh' as never } },
        'BAD_REQUEST',
        /strength/,
      ],
      ['not a uuid', { outputId: 'nope', decision: 'approve' }, 'BAD_REQUEST', /UUID/],
      [
        'unknown item',
        { outputId: '00000000-0000-4000-8000-000000000000', decision: 'approve' },
        'NOT_FOUND',
        /not found/,
      ],
    ];
    for (const [name, input, code, message] of cases) {
      const error = await asAlice.review.decide(input).catch((e: unknown) => e);
      expect(error, name).toMatchObject({ code });
      expect((error as Error).message, name).toMatch(message);
    }
    expect(await snapshot(id)).toEqual(before);
  });

  it('a decision on a withdrawn item (consent revoked) is refused with the reason', async () => {
    const id = await current();
    await handle.db.execute(
      sql`update outputs set state = 'withdrawn', withdrawn_reason = 'consent revoked: subject asked', leased_by = null, lease_expires_at = null where id = ${id}`,
    );
    const before = await snapshot(id);
    await expect(
      asAlice.review.decide({ outputId: id, decision: 'approve' }),
    ).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(
        /withdrawn from review \(consent revoked: subject asked\); nothing was saved/,
      ),
    });
    expect(await snapshot(id)).toEqual(before);
    const view = await asAlice.review.item({ outputId: id });
    expect(view).toMatchObject({ state: 'withdrawn', image: null });
    expect(view.subjects.every((s) => s.references.length === 0)).toBe(true);
  });

  it('consent revoked while the reviewer holds the item (the real cascade): the decision is refused', async () => {
    const fresh = await createTestDb();
    try {
      const s = await seedReviewItems(fresh.db, { count: 2, subjects: 2 });
      for (const subjectId of s.subjectIds) {
        for (const scope of ['generate', 'train'] as const) {
          await fresh.db
            .insert(consents)
            .values({ subjectId, scope, grantedBy: 'rights holder', evidence: 'form' });
        }
      }
      const reviewer = callerFor(fresh.db, await insertTestUser(fresh.db, 'reviewer'));
      const [held] = (await reviewer.review.next()).items;
      await revokeSubjectConsents(fresh.db, 'system', {
        subjectId: s.subjectIds[1]!,
        reason: 'subject asked',
      });
      await expect(
        reviewer.review.decide({ outputId: held!.outputId, decision: 'approve' }),
      ).rejects.toMatchObject({
        code: 'PRECONDITION_FAILED',
        message: expect.stringMatching(/withdrawn from review \(consent revoked: subject asked\)/),
      });
      const [row] = await executeRows<{ n: number; state: string }>(
        fresh.db,
        sql`select (select count(*)::int from reviews) as n, state from outputs where id = ${held!.outputId}`,
      );
      expect(row).toEqual({ n: 0, state: 'withdrawn' });
      expect((await reviewer.review.next()).items).toEqual([]); // withdrawn items leave the queue
    } finally {
      await fresh.close();
    }
  });

  it('a withdrawal between decision and undo keeps the item withdrawn', async () => {
    const id = await current();
    await asAlice.review.decide({ outputId: id, decision: 'approve' });
    await handle.db.execute(
      sql`update outputs set state = 'withdrawn', withdrawn_reason = 'consent revoked' where id = ${id}`,
    );
    await expect(asAlice.review.undo()).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/withdrawn/),
    });
  });
});

describe('audit', () => {
  it('every review action writes its entry in the same transaction: no entry, no change', async () => {
    const id = await current();
    const before = await snapshot(id);
    await handle.db.execute(
      sql`create function fail_review_audit() returns trigger language plpgsql as $$ begin raise exception 'audit down'; end $$`,
    );
    await handle.db.execute(
      sql`create trigger fail_review_audit before insert on audit_log for each row execute function fail_review_audit()`,
    );
    try {
      await expect(
        asAlice.review.decide({ outputId: id, decision: 'approve' }),
      ).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
    } finally {
      await handle.db.execute(sql`drop trigger fail_review_audit on audit_log`);
      await handle.db.execute(sql`drop function fail_review_audit`);
    }
    expect(await snapshot(id)).toEqual(before);
    // and with the log up, decide / undo each leave one entry naming the item; a skip is no
    // decision: it is kept in review_skips, not in the audit log
    const decided = await asAlice.review.decide({ outputId: id, decision: 'approve' });
    await asAlice.review.undo({ reviewId: decided.reviewId });
    await asAlice.review.skip({ outputId: id });
    const entries = await executeRows<{ action: string }>(
      handle.db,
      sql`select action from audit_log where target_id = ${id} order by id`,
    );
    expect(entries.map((e) => e.action)).toEqual(['review.decide', 'review.undo']);
    const skips = await executeRows<{ n: number }>(
      handle.db,
      sql`select count(*)::int as n from review_skips where output_id = ${id}`,
    );
    expect(skips[0]!.n).toBe(1);
  });
});

describe('item view', () => {
  it('shows references of every subject, the routing map, prompt, params, model version and scores', async () => {
    const id = await current();
    const view = await asAlice.review.item({ outputId: id });
    expect(view.heldByMe).toBe(true);
    expect(view.image).toMatch(/^data:image\/png;base64,/);
    expect(view.subjects.map((s) => s.id)).toEqual(seed.subjectIds);
    expect(view.subjects.every((s) => s.references.length === 1)).toBe(true);
    expect(view.routingMap).toEqual({ rows: 8, cols: 8, cells: seed.map });
    expect(view.routingParams).toMatchObject({ beta: 8 });
    expect(view.steps).toBe(20);
    expect(view.modelVersion?.name).toMatch(/^musar-/);
    expect(view.scores).toMatchObject({ fidelity: 0.8 });
    expect(view.consensus).toEqual({ needed: 1, decisions: 0, inAdjudication: false });
  });
});
