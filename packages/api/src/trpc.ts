// tRPC setup: context, error shape, and the procedure builders. Every builder carries an access
// declaration (meta.access) that a guard enforces and the authorization-matrix test enumerates;
// a procedure without one is denied at run time and fails that test. See README.md.
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { ROLES, isRole, roleCan, type Permission, type Role } from '@musar/auth/permissions';
import type { Context } from './context';
import { toTRPCError } from './errors';

/** public: anyone; signed-in: any role; Role[]: those roles only. */
export type Access = 'public' | 'signed-in' | readonly Role[];
export type Meta = { access?: Access };

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    errorFormatter({ shape, error }) {
      const zod = error.cause instanceof ZodError ? issuesByPath(error.cause) : null;
      return { ...shape, data: { ...shape.data, zodError: zod } };
    },
  });

/** Like z.flattenError, but keyed by the whole path (`params.threshold`, not `params`), so a form
 * can say which part of a nested value is wrong. */
function issuesByPath(error: ZodError) {
  const fieldErrors: Record<string, string[]> = {};
  const formErrors: string[] = [];
  for (const issue of error.issues) {
    if (issue.path.length === 0) formErrors.push(issue.message);
    else (fieldErrors[issue.path.map(String).join('.')] ??= []).push(issue.message);
  }
  return { formErrors, fieldErrors };
}

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Denials say which rule failed, so tests can tell a guard's no from a service's no. */
export const GUARD_MESSAGE = {
  signedOut: 'Sign in first',
  noAccess: 'No access declared',
  role: 'Requires role',
};

/** Service errors and known database errors become their tRPC codes (input errors already are). */
const errorMapper = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.code === 'INTERNAL_SERVER_ERROR' && result.error.cause) {
    throw toTRPCError(result.error.cause);
  }
  return result;
});

const guard = t.middleware(({ ctx, meta, next }) => {
  const access = meta?.access;
  if (access === undefined)
    throw new TRPCError({ code: 'FORBIDDEN', message: GUARD_MESSAGE.noAccess });
  if (access === 'public') return next();
  const user = ctx.session?.user;
  if (!user) throw new TRPCError({ code: 'UNAUTHORIZED', message: GUARD_MESSAGE.signedOut });
  if (user.banned || !isRole(user.role)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `${GUARD_MESSAGE.role}: a valid role` });
  }
  if (access !== 'signed-in' && !access.includes(user.role)) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `${GUARD_MESSAGE.role}: ${access.join(' or ')}`,
    });
  }
  return next();
});

/** Narrows ctx.session to non-null for procedures behind the guard. */
const withSession = t.middleware(({ ctx, next }) => {
  if (!ctx.session) throw new TRPCError({ code: 'UNAUTHORIZED', message: GUARD_MESSAGE.signedOut });
  return next({ ctx: { session: ctx.session } });
});

const base = t.procedure.use(errorMapper).use(guard);

export const publicProcedure = base.meta({ access: 'public' });
export const signedInProcedure = base.use(withSession).meta({ access: 'signed-in' });
/** Only the listed roles. */
export const rolesProcedure = (...roles: Role[]) => base.use(withSession).meta({ access: roles });
/** The roles holding a capability of packages/auth's access-control statement. */
export const permissionProcedure = (permission: Permission) =>
  rolesProcedure(...ROLES.filter((role) => roleCan(role, permission)));
export const adminProcedure = rolesProcedure('admin');
export const operatorProcedure = rolesProcedure('operator');
export const reviewerProcedure = rolesProcedure('reviewer');

/** For tests of the registry itself: the guarded builder with no declaration. */
export const undeclaredProcedureForTests = base;
