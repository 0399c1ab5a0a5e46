import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { ZCreateUser } from '@musar/core/forms/forms';
import { ZId, ZRole, ZUser } from '@musar/core/common/schemas';
import { banUser, createUser, listUsers, setRole, unbanUser } from '@musar/core/users/users';
import { adminProcedure } from '../trpc';

export const usersRouter = {
  list: adminProcedure
    .input(
      z
        .object({
          search: z.string().trim().max(200).optional(),
          limit: z.number().int().min(1).max(200).default(50),
          offset: z.number().int().min(0).max(1_000_000).default(0),
        })
        .default({ limit: 50, offset: 0 }),
    )
    .output(z.object({ items: z.array(ZUser), total: z.number().int() }))
    .query(({ ctx, input }) => listUsers(ctx.db, input)),

  create: adminProcedure
    .input(ZCreateUser)
    .output(ZUser)
    .mutation(({ ctx, input }) => createUser(ctx.db, ctx.session.user, input)),

  setRole: adminProcedure
    .input(z.object({ userId: ZId, role: ZRole }))
    .output(ZUser)
    .mutation(({ ctx, input }) => setRole(ctx.db, ctx.session.user, input)),

  ban: adminProcedure
    .input(
      z.object({
        userId: ZId,
        reason: z.string().trim().min(1).max(500),
        /** omitted: until unbanned */
        expiresInSeconds: z
          .number()
          .int()
          .min(60)
          .max(366 * 24 * 3600)
          .optional(),
      }),
    )
    .output(ZUser)
    .mutation(({ ctx, input }) => banUser(ctx.db, ctx.session.user, input)),

  unban: adminProcedure
    .input(z.object({ userId: ZId }))
    .output(ZUser)
    .mutation(({ ctx, input }) => unbanUser(ctx.db, ctx.session.user, input)),
} satisfies TRPCRouterRecord;
