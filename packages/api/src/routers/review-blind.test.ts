// Issue 15, Lower: consensus was not blind — a reviewer read another reviewer's vote and comment
// on a pending item through review.insights.history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import { createTestDb } from '@musar/db/testing';
import { callerFor, insertTestUser, type Caller } from '../testing';
import { seedReviewItems } from '@musar/core/testing/review-fixtures';

let handle: DbHandle;
let alice: Caller, bob: Caller, operator: Caller;
let outputId: string;

beforeAll(async () => {
  handle = await createTestDb();
  alice = callerFor(handle.db, await insertTestUser(handle.db, 'reviewer', 'Alice'));
  bob = callerFor(handle.db, await insertTestUser(handle.db, 'reviewer', 'Bob'));
  operator = callerFor(handle.db, await insertTestUser(handle.db, 'operator'));
  const seed = await seedReviewItems(handle.db, { count: 1, subjects: 2, consensusK: 2 });
  outputId = seed.outputIds[0]!;
});
afterAll(() => handle.close());

const comments = async (who: Caller) =>
  (await who.review.insights.history({ outputId })).items.map((i) => i.comment);

describe('blind consensus', () => {
  it("a reviewer never sees another reviewer's vote on an undecided item; operators and, once decided, everyone do", async () => {
    expect((await alice.review.next({ hold: 1 })).items[0]!.outputId).toBe(outputId);
    await alice.review.decide({
      outputId,
      decision: 'reject',
      reasons: ['other'],
      comment: 'alice thinks the star leaks',
    });
    // pending: Bob (who has not voted) sees nothing of Alice's vote; Alice sees her own
    expect(await comments(bob)).toEqual([]);
    expect((await bob.review.insights.history({})).items).toEqual([]);
    expect(await comments(alice)).toEqual(['alice thinks the star leaks']);
    expect(await comments(operator)).toEqual(['alice thinks the star leaks']);

    expect((await bob.review.next({ hold: 1 })).items[0]!.outputId).toBe(outputId);
    await bob.review.decide({
      outputId,
      decision: 'reject',
      reasons: ['other'],
      comment: 'bob too',
    });
    // decided (two agreeing rejects): the history is open
    expect((await comments(bob)).sort()).toEqual(['alice thinks the star leaks', 'bob too']);
  });
});
