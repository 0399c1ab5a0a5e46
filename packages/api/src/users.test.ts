import { TRPCError } from '@trpc/server';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import { auditLog, session, user } from '@musar/db/schema';
import { createTestDb } from '@musar/db/testing';
import type { SessionUser } from './context';
import { callerFor, insertTestUser, type Caller } from './testing';

let handle: DbHandle;
let admin: SessionUser;
let asAdmin: Caller;

beforeAll(async () => {
  handle = await createTestDb();
  admin = await insertTestUser(handle.db, 'admin', 'Ada Admin');
  asAdmin = callerFor(handle.db, admin);
});
afterAll(() => handle.close());

const auditFor = (targetId: string) =>
  handle.db.select().from(auditLog).where(eq(auditLog.targetId, targetId)).orderBy(auditLog.id);
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as TRPCError,
  );

describe('users', () => {
  it('lists and searches users', async () => {
    const other = await insertTestUser(handle.db, 'operator', 'Otto Operator');
    const all = await asAdmin.users.list();
    expect(all.total).toBeGreaterThanOrEqual(2);
    const found = await asAdmin.users.list({ search: 'otto' });
    expect(found.items.map((u) => u.id)).toEqual([other.id]);
    expect(found.items[0]).toMatchObject({ role: 'operator', banned: false, banExpires: null });
  });

  it('search takes % and _ literally (issue 15, Lower)', async () => {
    const underscore = await insertTestUser(handle.db, 'reviewer', 'Lit_eral 100%');
    await insertTestUser(handle.db, 'reviewer', 'Litxeral 1000');
    const ids = async (search: string) =>
      (await asAdmin.users.list({ search })).items.map((u) => u.id);
    expect(await ids('lit_eral')).toEqual([underscore.id]);
    expect(await ids('100%')).toEqual([underscore.id]);
    expect(await ids('%')).toEqual([underscore.id]);
    expect(await ids('\\')).toEqual([]);
  });

  it('input PostgreSQL refuses (a NUL byte) is BAD_REQUEST, not a 500 (issue 15, Lower)', async () => {
    const error = await errorOf(asAdmin.users.list({ search: 'a\u0000b' }));
    expect(error?.code).toBe('BAD_REQUEST');
  });

  it('sets a role and audits actor, before and after in the same transaction', async () => {
    const target = await insertTestUser(handle.db, 'reviewer');
    const updated = await asAdmin.users.setRole({ userId: target.id, role: 'operator' });
    expect(updated.role).toBe('operator');
    const [entry] = await auditFor(target.id);
    expect(entry).toMatchObject({
      actorId: admin.id,
      actorLabel: admin.email,
      action: 'user.set_role',
      targetType: 'user',
      before: { role: 'reviewer' },
      after: { role: 'operator' },
    });
    // setting the same role again changes and audits nothing
    await asAdmin.users.setRole({ userId: target.id, role: 'operator' });
    expect(await auditFor(target.id)).toHaveLength(1);
  });

  it('bans a user: sessions end, audit has before/after; unban restores', async () => {
    const target = await insertTestUser(handle.db, 'reviewer');
    await handle.db.insert(session).values({
      id: 'sess-1',
      token: 'tok-1',
      userId: target.id,
      expiresAt: new Date(Date.now() + 3600_000),
      updatedAt: new Date(),
    });
    const banned = await asAdmin.users.ban({
      userId: target.id,
      reason: 'leaked data',
      expiresInSeconds: 3600,
    });
    expect(banned).toMatchObject({ banned: true, banReason: 'leaked data' });
    expect(banned.banExpires).not.toBeNull();
    expect(await handle.db.select().from(session).where(eq(session.userId, target.id))).toEqual([]);
    await asAdmin.users.unban({ userId: target.id });
    const entries = await auditFor(target.id);
    expect(entries.map((e) => e.action)).toEqual(['user.ban', 'user.unban']);
    expect(entries[0]).toMatchObject({
      actorId: admin.id,
      before: { banned: false, banReason: null, banExpires: null },
      after: { banned: true, banReason: 'leaked data' },
    });
    expect(entries[1]).toMatchObject({ after: { banned: false, banReason: null } });
  });

  it('creates users with a password (never self sign-up)', async () => {
    const created = await asAdmin.users.create({
      email: 'New.Person@example.com',
      name: 'New',
      role: 'reviewer',
      password: 'long-enough-password',
    });
    expect(created).toMatchObject({ email: 'new.person@example.com', role: 'reviewer' });
    const dup = await errorOf(
      asAdmin.users.create({
        email: 'new.person@example.com',
        name: 'N',
        role: 'reviewer',
        password: 'long-enough-password',
      }),
    );
    expect(dup?.code).toBe('CONFLICT');
    const [entry] = await auditFor(created.id);
    expect(entry).toMatchObject({ action: 'user.create', after: { role: 'reviewer' } });
    expect(JSON.stringify(entry)).not.toContain('long-enough-password');
  });

  it('keeps rules: no change to oneself, unknown users are NOT_FOUND', async () => {
    expect(
      (await errorOf(asAdmin.users.setRole({ userId: admin.id, role: 'reviewer' })))?.code,
    ).toBe('FORBIDDEN');
    expect((await errorOf(asAdmin.users.ban({ userId: admin.id, reason: 'x' })))?.code).toBe(
      'FORBIDDEN',
    );
    expect((await errorOf(asAdmin.users.setRole({ userId: 'nope', role: 'reviewer' })))?.code).toBe(
      'NOT_FOUND',
    );
  });
});

describe('bad input', () => {
  it('is BAD_REQUEST with the zod message, never a 500', async () => {
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      [
        'unknown role',
        () => asAdmin.users.setRole({ userId: 'x', role: 'superuser' as never }),
        /role/,
      ],
      ['missing field', () => asAdmin.users.ban({ userId: 'x' } as never), /reason/],
      ['oversized search', () => asAdmin.users.list({ search: 'a'.repeat(10_000) }), /200/],
      ['oversized id', () => asAdmin.users.unban({ userId: 'x'.repeat(1000) }), /200/],
      ['wrong type', () => asAdmin.users.list({ limit: 'all' as never }), /number/],
      ['negative cursor', () => asAdmin.audit.list({ cursor: -5 }), /cursor|>0|greater/i],
      ['not an object', () => asAdmin.users.setRole('hello' as never), /object/],
      [
        'short password',
        () =>
          asAdmin.users.create({ email: 'a@b.co', name: 'A', role: 'admin', password: 'short' }),
        /12/,
      ],
      [
        'bad e-mail',
        () =>
          asAdmin.users.create({
            email: 'nope',
            name: 'A',
            role: 'admin',
            password: 'long-enough-password',
          }),
        /email/i,
      ],
    ];
    for (const [name, run, message] of cases) {
      const error = await errorOf(run());
      expect(error, name).toBeInstanceOf(TRPCError);
      expect(error!.code, name).toBe('BAD_REQUEST');
      expect(error!.message, name).toMatch(message);
    }
  });

  it('writes nothing when any part of a change fails', async () => {
    const target = await insertTestUser(handle.db, 'reviewer');
    // make the audit insert fail: the role change must roll back with it
    await handle.db.execute(
      sql`create function fail_audit() returns trigger language plpgsql as $$ begin raise exception 'audit down'; end $$`,
    );
    await handle.db.execute(
      sql`create trigger fail_audit before insert on audit_log for each row execute function fail_audit()`,
    );
    try {
      const error = await errorOf(asAdmin.users.setRole({ userId: target.id, role: 'operator' }));
      expect(error?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(error?.message).toBe('Internal error');
      const [row] = await handle.db.select().from(user).where(eq(user.id, target.id));
      expect(row?.role).toBe('reviewer');
    } finally {
      await handle.db.execute(sql`drop trigger fail_audit on audit_log`);
    }
    expect(await auditFor(target.id)).toEqual([]);
  });
});

describe('audit.list', () => {
  it('pages newest first and filters', async () => {
    const target = await insertTestUser(handle.db, 'reviewer');
    await asAdmin.users.setRole({ userId: target.id, role: 'operator' });
    await asAdmin.users.setRole({ userId: target.id, role: 'reviewer' });
    const page1 = await asAdmin.audit.list({ targetId: target.id, limit: 1 });
    expect(page1.items).toHaveLength(1);
    expect(page1.items[0]!.after).toEqual({ role: 'reviewer' });
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await asAdmin.audit.list({
      targetId: target.id,
      limit: 1,
      cursor: page1.nextCursor!,
    });
    expect(page2.items[0]!.after).toEqual({ role: 'operator' });
    expect(page2.nextCursor).toBeNull();
    const byAction = await asAdmin.audit.list({ action: 'user.set_role' });
    expect(byAction.items.every((e) => e.action === 'user.set_role')).toBe(true);
  });
});
