import { createHash } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import {
  auditLog,
  consents,
  generationRequests,
  modelVersions,
  outputs,
  subjects,
} from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import { insertTestUser } from '../testing/users';
import type { SessionUser } from '../common/actor';
import { assertConsent, checkConsent, ConsentError } from './consent';
import { grantConsent } from './grant';
import { registerConsentJobHooks, resetConsentJobHooks, type TRetrainRequest } from './hooks';
import { expireConsents, revokeConsent, revokeSubjectConsents } from './revoke';
import {
  auditActions,
  lastAuditId,
  seedGeneration,
  seedModel,
  seedSubject,
} from '../testing/consent-fixtures';
import { recordLineage, trainingSet } from '../retrain/training-set';

let handle: DbHandle;
let admin: SessionUser;
beforeAll(async () => {
  handle = await createTestDb();
  admin = await insertTestUser(handle.db, 'admin');
});
afterAll(() => handle.close());
afterEach(() => resetConsentJobHooks());

const stateOf = async (
  table: typeof outputs | typeof generationRequests | typeof modelVersions,
  ids: string[],
) => {
  const rows = await handle.db
    .select({ id: table.id, state: table.state })
    .from(table as typeof outputs)
    .where(inArray(table.id, ids));
  return Object.fromEntries(rows.map((r) => [r.id, r.state]));
};

describe('checkConsent', () => {
  it('names each subject that may not be used, with its reason, and the consents the others hold', async () => {
    const ok = await seedSubject(handle.db, admin, ['generate', 'train']);
    const none = await seedSubject(handle.db, admin, ['train']); // train only
    const revoked = await seedSubject(handle.db, admin, ['generate']);
    await revokeConsent(handle.db, admin, { consentId: revoked.consentIds.generate!, reason: 'r' });
    const erased = await seedSubject(handle.db, admin, ['generate']);
    await handle.db
      .update(subjects)
      .set({ erasedAt: new Date() })
      .where(eq(subjects.id, erased.id));
    const ghost = '00000000-0000-4000-8000-000000000017';
    const nameOf = async (id: string) =>
      (await handle.db.select().from(subjects).where(eq(subjects.id, id)))[0]!.name;
    const ids = [ghost, erased.id, ok.id, revoked.id, none.id];
    for (const lock of [false, true]) {
      const { lacking, held } = await handle.db.transaction((tx) =>
        checkConsent(tx, ids, 'generate', { lock }),
      );
      expect(lacking).toEqual([
        { subjectId: ghost, name: null, reason: 'subject does not exist' },
        {
          subjectId: erased.id,
          name: await nameOf(erased.id),
          reason: `subject "${await nameOf(erased.id)}" was erased`,
        },
        {
          subjectId: revoked.id,
          name: await nameOf(revoked.id),
          reason: `subject "${await nameOf(revoked.id)}" consent was revoked for generate`,
        },
        {
          subjectId: none.id,
          name: await nameOf(none.id),
          reason: `subject "${await nameOf(none.id)}" has no active consent for generate`,
        },
      ]);
      expect([...held]).toEqual([[ok.id, [ok.consentIds.generate]]]);
    }
    expect(await checkConsent(handle.db, [ok.id, ok.id], 'train')).toEqual({
      lacking: [],
      held: new Map([[ok.id, [ok.consentIds.train]]]),
    });
    expect(await checkConsent(handle.db, [], 'train')).toEqual({ lacking: [], held: new Map() });
  });
});

describe('assertConsent', () => {
  it('refuses generation for a subject without generate consent, naming it', async () => {
    const a = await seedSubject(handle.db, admin, ['generate', 'train']);
    const b = await seedSubject(handle.db, admin, ['train']); // train only
    const held = await assertConsent(handle.db, [a.id], 'generate');
    expect(held.get(a.id)).toEqual([a.consentIds.generate]);
    const error = await assertConsent(handle.db, [a.id, b.id], 'generate').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsentError);
    expect(error).toMatchObject({
      code: 'PRECONDITION_FAILED',
      scope: 'generate',
      subjectIds: [b.id],
      lacking: [{ subjectId: b.id, name: expect.stringMatching(/#/) }],
    });
    expect((error as Error).message).toMatch(
      /^subject ".*#.*" has no active consent for generate$/,
    );
    await expect(assertConsent(handle.db, [b.id], 'train')).resolves.toBeInstanceOf(Map);
  });

  it('counts only consents in force: not before valid_from, not after expiry', async () => {
    const s = await seedSubject(handle.db, admin, []);
    const inAnHour = new Date(Date.now() + 3600_000);
    await grantConsent(handle.db, admin, {
      subjectId: s.id,
      scope: 'generate',
      grantedBy: 'x',
      evidence: 'later',
      validFrom: inAnHour,
    });
    await expect(assertConsent(handle.db, [s.id], 'generate')).rejects.toBeInstanceOf(ConsentError);
    await expect(
      assertConsent(handle.db, [s.id], 'generate', { now: new Date(Date.now() + 2 * 3600_000) }),
    ).resolves.toBeDefined();
    await grantConsent(handle.db, admin, {
      subjectId: s.id,
      scope: 'train',
      grantedBy: 'x',
      evidence: 'short',
      expiresAt: inAnHour,
    });
    await expect(assertConsent(handle.db, [s.id], 'train')).resolves.toBeDefined();
    await expect(
      assertConsent(handle.db, [s.id], 'train', { now: new Date(Date.now() + 2 * 3600_000) }),
    ).rejects.toBeInstanceOf(ConsentError);
  });

  it('refuses bad grants with clear errors', async () => {
    const s = await seedSubject(handle.db, admin, []);
    const past = new Date(Date.now() - 1000);
    await expect(
      grantConsent(handle.db, admin, {
        subjectId: s.id,
        scope: 'train',
        grantedBy: 'x',
        evidence: 'e',
        expiresAt: past,
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const bin = { name: 'x.bin', bytes: Uint8Array.from([0, 1, 2, 0xff, 0xfe]) };
    await expect(
      grantConsent(handle.db, admin, {
        subjectId: s.id,
        scope: 'train',
        grantedBy: 'x',
        evidence: 'e',
        evidenceFile: bin,
      }),
    ).rejects.toMatchObject({ message: /PDF, PNG, JPEG or plain-text/ });
    const pdf = { name: 'form.pdf', bytes: new TextEncoder().encode('%PDF-1.4 signed form') };
    const c = await grantConsent(handle.db, admin, {
      subjectId: s.id,
      scope: 'train',
      grantedBy: 'x',
      evidence: 'e',
      evidenceFile: pdf,
    });
    expect(c.evidenceFile).toMatchObject({
      name: 'form.pdf',
      mimeType: 'application/pdf',
      bytes: pdf.bytes.length,
      sha256: createHash('sha256').update(pdf.bytes).digest('hex'),
      erased: false,
    });
    // recorded at grant, in the row itself (erasure keeps them)
    const [row] = await handle.db.select().from(consents).where(eq(consents.id, c.id));
    expect(row).toMatchObject({
      evidenceFileBytes: pdf.bytes.length,
      evidenceFileSha256: c.evidenceFile!.sha256,
    });
  });
});

describe('revocation cascade', () => {
  it('cancels, withdraws, taints, moves the serving pointer and schedules a retrain — in one go', async () => {
    const retrains: TRetrainRequest[] = [];
    const cancelledJobs: string[][] = [];
    registerConsentJobHooks({
      scheduleRetrain: async (_tx, r) => (retrains.push(r), 'job-1'),
      cancelGenerationJobs: async (_tx, ids) => void cancelledJobs.push(ids),
    });
    const a = await seedSubject(handle.db, admin);
    const b = await seedSubject(handle.db, admin);
    const queued = await seedGeneration(handle.db, [a.id, b.id], { state: 'queued' });
    const other = await seedGeneration(handle.db, [b.id], { state: 'queued' });
    const done = await seedGeneration(handle.db, [a.id, b.id], {
      outputs: ['pending_review', 'approved', 'rejected'],
    });
    const bOnly = await seedGeneration(handle.db, [b.id], { outputs: ['approved'] });
    const v1 = await seedModel(handle.db, {
      name: 'v1',
      state: 'retired',
      promotedMinutesAgo: 60,
      subjectIds: [b.id],
    });
    const v2 = await seedModel(handle.db, {
      name: 'v2',
      state: 'serving',
      promotedMinutesAgo: 5,
      parentId: v1,
      subjectIds: [b.id],
      outputIds: [done.outputIds[1]!],
    });
    const v3 = await seedModel(handle.db, { name: 'v3', state: 'candidate', parentId: v2 });
    const v0 = await seedModel(handle.db, {
      name: 'v0',
      state: 'retired',
      promotedMinutesAgo: 120,
      subjectIds: [a.id],
    });
    const since = await lastAuditId(handle.db);

    const res = await revokeSubjectConsents(handle.db, admin, {
      subjectId: a.id,
      reason: 'subject asked',
    });

    expect(res.consents.map((c) => c.status)).toEqual(['revoked', 'revoked']);
    expect(res.cascade).toMatchObject({
      lostScopes: expect.arrayContaining(['generate', 'train']),
      retrainJobId: 'job-1',
      retrainScheduled: true,
    });
    expect(await stateOf(generationRequests, [queued.requestId, other.requestId])).toEqual({
      [queued.requestId]: 'cancelled',
      [other.requestId]: 'queued',
    });
    expect(cancelledJobs).toEqual([[queued.requestId]]);
    expect(Object.values(await stateOf(outputs, done.outputIds))).toEqual([
      'withdrawn',
      'withdrawn',
      'withdrawn',
    ]);
    expect(await stateOf(outputs, bOnly.outputIds)).toEqual({ [bOnly.outputIds[0]!]: 'approved' });
    // v2 via an output holding A, v3 continued from v2, v0 directly; v1 (B only) untouched and serving again
    expect(await stateOf(modelVersions, [v0, v1, v2, v3])).toEqual({
      [v0]: 'tainted',
      [v1]: 'serving',
      [v2]: 'tainted',
      [v3]: 'tainted',
    });
    expect(res.cascade!.servingMoved).toEqual({ kind: 'adapter', from: v2, to: v1 });
    expect(retrains).toEqual([
      {
        parentVersionId: v1,
        reason: `consent-revoked:${a.id}`,
        excludeSubjectIds: [a.id],
        requestedBy: admin.id,
      },
    ]);
    const actions = (await auditActions(handle.db, since)).map((e) => e.action);
    for (const step of [
      'consent.revoke',
      'generation.cancel',
      'output.withdraw',
      'model.taint',
      'model.serving_moved',
      'model.retrain_requested',
    ]) {
      expect(actions, step).toContain(step);
    }
    expect(actions.filter((x) => x === 'output.withdraw')).toHaveLength(3);
  });

  it('is harmless twice, and scope-aware: another active consent of the scope keeps the subject usable', async () => {
    const s = await seedSubject(handle.db, admin, ['generate']);
    const second = await grantConsent(handle.db, admin, {
      subjectId: s.id,
      scope: 'generate',
      grantedBy: 'y',
      evidence: 'renewal',
    });
    const gen = await seedGeneration(handle.db, [s.id], { outputs: ['pending_review'] });
    const first = await revokeConsent(handle.db, admin, {
      consentId: s.consentIds.generate!,
      reason: 'superseded',
    });
    expect(first.cascade).toBeNull();
    expect(await stateOf(outputs, gen.outputIds)).toEqual({
      [gen.outputIds[0]!]: 'pending_review',
    });
    const before = await lastAuditId(handle.db);
    const again = await revokeConsent(handle.db, admin, {
      consentId: s.consentIds.generate!,
      reason: 'again',
    });
    expect(again).toMatchObject({ alreadyRevoked: true, cascade: null });
    expect(again.consents[0]!.revokedReason).toBe('superseded');
    expect(await lastAuditId(handle.db)).toBe(before);
    await revokeConsent(handle.db, admin, { consentId: second.id, reason: 'withdrawn' });
    expect(await stateOf(outputs, gen.outputIds)).toEqual({ [gen.outputIds[0]!]: 'withdrawn' });
    const all = await revokeSubjectConsents(handle.db, admin, { subjectId: s.id, reason: 'x' });
    expect(all).toMatchObject({ alreadyRevoked: true, cascade: null, consents: [] });
  });

  it('without registered hooks still cancels requests and records the retrain request in the audit log', async () => {
    const s = await seedSubject(handle.db, admin);
    const q = await seedGeneration(handle.db, [s.id], { state: 'running' });
    const v = await seedModel(handle.db, { name: 'solo', state: 'candidate', subjectIds: [s.id] });
    const since = await lastAuditId(handle.db);
    const res = await revokeSubjectConsents(handle.db, admin, {
      subjectId: s.id,
      reason: 'r',
      scopes: ['generate', 'train'],
    });
    expect(res.cascade).toMatchObject({
      cancelledRequestIds: [q.requestId],
      taintedVersionIds: [v],
      retrainScheduled: false,
      servingMoved: null,
    });
    const retrain = (await auditActions(handle.db, since)).find(
      (e) => e.action === 'model.retrain_requested',
    );
    expect(retrain?.after).toMatchObject({ scheduled: false, excludeSubjectIds: [s.id] });
  });
});

describe('expiry', () => {
  it('behaves like revocation: same cascade, marked expired, idempotent', async () => {
    const s = await seedSubject(handle.db, admin, []);
    const soon = new Date(Date.now() + 60_000);
    const g = await grantConsent(handle.db, admin, {
      subjectId: s.id,
      scope: 'generate',
      grantedBy: 'x',
      evidence: 'e',
      expiresAt: soon,
    });
    const t = await grantConsent(handle.db, admin, {
      subjectId: s.id,
      scope: 'train',
      grantedBy: 'x',
      evidence: 'e',
      expiresAt: soon,
    });
    const gen = await seedGeneration(handle.db, [s.id], { outputs: ['approved'] });
    const queued = await seedGeneration(handle.db, [s.id], { state: 'queued' });
    const v = await seedModel(handle.db, {
      name: 'exp',
      state: 'candidate',
      outputIds: gen.outputIds,
    });
    expect((await expireConsents(handle.db, new Date())).expiredConsentIds).not.toContain(g.id);

    const later = new Date(Date.now() + 120_000);
    const res = await expireConsents(handle.db, later);
    expect(res.expiredConsentIds.sort()).toEqual([g.id, t.id].sort());
    expect(res.cascades).toHaveLength(1);
    expect(res.cascades[0]).toMatchObject({
      subjectId: s.id,
      cancelledRequestIds: [queued.requestId],
      withdrawnOutputIds: gen.outputIds,
      taintedVersionIds: [v],
    });
    const [row] = await handle.db.select().from(consents).where(eq(consents.id, g.id));
    expect(row).toMatchObject({ revokedReason: 'expired', revokedBy: null });
    expect(row!.revokedAt!.getTime()).toBe(soon.getTime());
    const { listConsents } = await import('./grant');
    expect((await listConsents(handle.db, { subjectIds: [s.id] })).map((c) => c.status)).toEqual([
      'expired',
      'expired',
    ]);
    expect(await expireConsents(handle.db, later)).toEqual({ expiredConsentIds: [], cascades: [] });
    const entries = await handle.db.select().from(auditLog).where(eq(auditLog.targetId, g.id));
    expect(entries.map((e) => [e.action, e.actorLabel])).toContainEqual([
      'consent.expire',
      'system',
    ]);
  });
});

describe('training data', () => {
  it('excludes subjects without train consent and outputs holding them; lineage refuses them', async () => {
    const ok = await seedSubject(handle.db, admin, ['generate', 'train']);
    const genOnly = await seedSubject(handle.db, admin, ['generate']);
    const mixed = await seedGeneration(handle.db, [ok.id, genOnly.id], { outputs: ['approved'] });
    const clean = await seedGeneration(handle.db, [ok.id], {
      outputs: ['approved', 'pending_review', 'rejected'],
    });
    const set = await trainingSet(handle.db);
    expect(set.subjectIds).toContain(ok.id);
    expect(set.subjectIds).not.toContain(genOnly.id);
    expect(set.excludedSubjectIds).toContain(genOnly.id);
    expect(set.outputIds).toContain(clean.outputIds[0]);
    expect(set.outputIds).not.toContain(mixed.outputIds[0]);
    expect(set.outputIds).not.toContain(clean.outputIds[1]);
    const v = await seedModel(handle.db, { name: 'lin', state: 'candidate' });
    await expect(
      handle.db.transaction((tx) =>
        recordLineage(tx, 'system', {
          modelVersionId: v,
          subjectIds: [ok.id],
          outputIds: mixed.outputIds,
        }),
      ),
    ).rejects.toBeInstanceOf(ConsentError);
    await handle.db.transaction((tx) =>
      recordLineage(tx, 'system', {
        modelVersionId: v,
        subjectIds: [ok.id],
        outputIds: [clean.outputIds[0]!],
      }),
    );
    // revoking train now taints the version through that lineage
    const res = await revokeConsent(handle.db, admin, {
      consentId: ok.consentIds.train!,
      reason: 'no more training',
    });
    expect(res.cascade).toMatchObject({
      lostScopes: ['train'],
      taintedVersionIds: [v],
      withdrawnOutputIds: [],
    });
    expect((await trainingSet(handle.db)).outputIds).not.toContain(clean.outputIds[0]);
  });
});

describe('audit rows written by the consent domain', () => {
  it('cannot be changed or deleted', async () => {
    const s = await seedSubject(handle.db, admin, ['generate']);
    await revokeConsent(handle.db, admin, { consentId: s.consentIds.generate!, reason: 'r' });
    const [entry] = await handle.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.targetId, s.consentIds.generate!))
      .orderBy(auditLog.id);
    expect(entry?.action).toBe('consent.grant');
    await expect(
      handle.db.update(auditLog).set({ after: {} }).where(eq(auditLog.id, entry!.id)),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/append-only/) } });
    await expect(
      handle.db.delete(auditLog).where(eq(auditLog.id, entry!.id)),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/append-only/) } });
    await expect(
      handle.db.execute(sql`update audit_log set action = 'x' where target_type = 'consent'`),
    ).rejects.toThrow();
    const [still] = await handle.db.select().from(auditLog).where(eq(auditLog.id, entry!.id));
    expect(still).toEqual(entry);
  });

  it('stops running retrains whose training data holds the subject: summary, state, hook, audit (issue 15 #10)', async () => {
    const s = await seedSubject(handle.db, admin);
    const other = await seedSubject(handle.db, admin);
    const mine = await seedGeneration(handle.db, [s.id, other.id], {
      outputs: ['approved', 'approved'],
    });
    const theirs = await seedGeneration(handle.db, [other.id], { outputs: ['approved'] });
    const training = (jobId: string, trainOutputIds: string[], heldOutOutputIds: string[]) => ({
      training: { status: 'running', step: 3, steps: 100, jobId, trainOutputIds, heldOutOutputIds },
    });
    const [hit, held, clean] = await handle.db
      .insert(modelVersions)
      .values([
        {
          kind: 'adapter',
          name: 'rt-hit',
          state: 'candidate',
          metrics: training('job-a', [mine.outputIds[0]!], []),
        },
        {
          kind: 'adapter',
          name: 'rt-held',
          state: 'candidate',
          metrics: training('job-b', theirs.outputIds, [mine.outputIds[1]!]),
        },
        {
          kind: 'adapter',
          name: 'rt-clean',
          state: 'candidate',
          metrics: training('job-c', theirs.outputIds, []),
        },
      ])
      .returning({ id: modelVersions.id });
    const calls: { jobIds: string[]; ids: string[] }[] = [];
    registerConsentJobHooks({
      cancelRetrainJobs: async (_tx, jobIds, ids) => void calls.push({ jobIds, ids }),
    });
    const since = await lastAuditId(handle.db);

    // generate lost only: the retrains stop (their data is withdrawn) and fail, untainted
    const res = await revokeSubjectConsents(handle.db, admin, {
      subjectId: s.id,
      reason: 'asked',
      scopes: ['generate'],
    });
    expect(res.cascade!.cancelledRetrainIds.sort()).toEqual([hit!.id, held!.id].sort());
    expect(calls).toEqual([
      {
        jobIds: expect.arrayContaining(['job-a', 'job-b']),
        ids: expect.arrayContaining([hit!.id, held!.id]),
      },
    ]);
    expect(await stateOf(modelVersions, [hit!.id, held!.id, clean!.id])).toEqual({
      [hit!.id]: 'failed',
      [held!.id]: 'failed',
      [clean!.id]: 'candidate',
    });
    const [row] = await handle.db.select().from(modelVersions).where(eq(modelVersions.id, hit!.id));
    expect(
      (row!.metrics as { training: { status: string; error: string } }).training,
    ).toMatchObject({
      status: 'cancelled',
      error: expect.stringContaining(s.id),
    });
    const audit = (await auditActions(handle.db, since)).filter(
      (e) => e.action === 'model.retrain_cancelled',
    );
    expect(audit.map((e) => e.targetId).sort()).toEqual([hit!.id, held!.id].sort());

    // train lost: a running retrain on its outputs is tainted
    const [again] = await handle.db
      .insert(modelVersions)
      .values({
        kind: 'adapter',
        name: 'rt-again',
        state: 'candidate',
        metrics: training('job-d', mine.outputIds, []),
      })
      .returning({ id: modelVersions.id });
    const res2 = await revokeSubjectConsents(handle.db, admin, {
      subjectId: s.id,
      reason: 'asked',
      scopes: ['train'],
    });
    expect(res2.cascade!.cancelledRetrainIds).toEqual([again!.id]);
    expect(await stateOf(modelVersions, [again!.id, clean!.id])).toEqual({
      [again!.id]: 'tainted',
      [clean!.id]: 'candidate',
    });
  });
});
