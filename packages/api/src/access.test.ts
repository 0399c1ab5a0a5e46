// The authorization matrix: every procedure × every role (and signed out). Adding a procedure
// means adding it to EXPECTED below with its roles; one without a declaration fails here.
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '@musar/db';
import { createTestDb } from '@musar/db/testing';
import { ROLES, type Role } from '@musar/auth/permissions';
import { procedureAccess } from './access';
import { appRouter } from './root';
import { callerFor, insertTestUser, type Caller } from './testing';
import { createTRPCRouter, GUARD_MESSAGE, undeclaredProcedureForTests, type Access } from './trpc';

const EXPECTED: Record<string, Access> = {
  'subjects.list': ['admin', 'operator'],
  'subjects.get': ['admin', 'operator'],
  'subjects.create': ['admin'],
  'subjects.createToy': ['admin'],
  'subjects.addImage': ['admin'],
  'subjects.removeImage': ['admin'],
  'subjects.erase': ['admin'],
  'consents.list': ['admin', 'operator'],
  'consents.grant': ['admin'],
  'consents.revoke': ['admin'],
  'consents.revokeAll': ['admin'],
  'consents.evidence': ['admin'],
  'generation.list': ['operator'],
  'generation.get': ['operator'],
  'generation.outputs': ['operator'],
  'generation.create': ['operator'],
  'generation.cancel': ['operator'],
  'export.outputs': ['admin', 'operator'],
  'export.auditCsv': ['admin'],
  health: 'public',
  me: 'signed-in',
  'users.list': ['admin'],
  'users.create': ['admin'],
  'users.setRole': ['admin'],
  'users.ban': ['admin'],
  'users.unban': ['admin'],
  'audit.list': ['admin'],
  'review.config': ['reviewer'],
  'review.next': ['reviewer'],
  'review.item': ['reviewer'],
  'review.decide': ['reviewer'],
  'review.undo': ['reviewer'],
  'review.skip': ['reviewer'],
  'review.insights.history': ['reviewer', 'operator'],
  'review.insights.myStats': ['reviewer'],
  'review.insights.agreement': ['reviewer', 'operator'],
  'review.insights.adjudications': ['reviewer'],
  'review.insights.adjudicate': ['reviewer'],
  'review.insights.strengthSuggestions': ['operator'],
  'routing.list': ['operator'],
  'routing.create': ['operator'],
  'routing.setDefault': ['operator'],
  'routing.preview': ['operator'],
  'routing.previewResult': ['operator'],
  'models.list': ['operator'],
  'models.promote': ['operator'],
  'models.rollback': ['operator'],
  'models.retrainStatus': ['operator'],
  'models.retrain': ['operator'],
  'metrics.overTime': ['operator'],
  'provenance.verify': 'signed-in',
};

type Who = Role | 'signed-out';
const WHO: Who[] = [...ROLES, 'signed-out'];

const allowed = (access: Access, who: Who) =>
  access === 'public' || (who !== 'signed-out' && (access === 'signed-in' || access.includes(who)));

let handle: DbHandle;
const callers = {} as Record<Who, Caller>;

beforeAll(async () => {
  handle = await createTestDb();
  for (const role of ROLES)
    callers[role] = callerFor(handle.db, await insertTestUser(handle.db, role));
  callers['signed-out'] = callerFor(handle.db, null);
});
afterAll(() => handle.close());

async function call(caller: Caller, path: string): Promise<unknown> {
  let fn: unknown = caller;
  for (const part of path.split('.')) fn = (fn as Record<string, unknown>)[part];
  try {
    return await (fn as (input: unknown) => Promise<unknown>)(undefined);
  } catch (error) {
    return error;
  }
}

describe('authorization matrix', () => {
  const declared = procedureAccess(appRouter);

  it('every procedure declares its access, and it is the one in this table', () => {
    const undeclared = Object.entries(declared)
      .filter(([, a]) => a === undefined)
      .map(([p]) => p);
    expect(undeclared, 'procedures without declared roles').toEqual([]);
    const missing = Object.keys(declared).filter((p) => !(p in EXPECTED));
    expect(missing, 'procedures missing from EXPECTED in access.test.ts').toEqual([]);
    expect(declared).toEqual(EXPECTED);
  });

  for (const path of Object.keys(EXPECTED)) {
    for (const who of WHO) {
      const expectAllowed = allowed(EXPECTED[path]!, who);
      it(`${path} × ${who} → ${expectAllowed ? 'allowed' : who === 'signed-out' ? 'UNAUTHORIZED' : 'FORBIDDEN'}`, async () => {
        const result = await call(callers[who], path);
        const guardError =
          result instanceof TRPCError &&
          (result.message === GUARD_MESSAGE.signedOut ||
            result.message.startsWith(GUARD_MESSAGE.role));
        if (expectAllowed) {
          // past the guard: a result, or an input/service error, never a denial
          expect(guardError ? result.code : 'passed').toBe('passed');
          if (result instanceof TRPCError) expect(result.code).not.toBe('INTERNAL_SERVER_ERROR');
        } else {
          expect(result).toBeInstanceOf(TRPCError);
          expect((result as TRPCError).code).toBe(
            who === 'signed-out' ? 'UNAUTHORIZED' : 'FORBIDDEN',
          );
        }
      });
    }
  }

  it('a procedure added without declaring roles is reported and denied to everyone', async () => {
    const router = createTRPCRouter({ sneaky: undeclaredProcedureForTests.query(() => 'secret') });
    expect(procedureAccess(router)).toEqual({ sneaky: undefined });
    const { createCallerFactory } = await import('./trpc');
    const { createContextInner } = await import('./context');
    const admin = await insertTestUser(handle.db, 'admin');
    const caller = createCallerFactory(router)(
      createContextInner({ db: handle.db, session: { id: 's', user: admin } }),
    );
    await expect(caller.sneaky()).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: GUARD_MESSAGE.noAccess,
    });
  });

  it('a banned or role-less session is FORBIDDEN even for signed-in procedures', async () => {
    const banned = { ...(await insertTestUser(handle.db, 'admin')), banned: true };
    await expect(callerFor(handle.db, banned).me()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const roleless = await insertTestUser(handle.db, null);
    await expect(callerFor(handle.db, roleless).me()).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
