import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { publicProcedure } from '../trpc';

export const health = publicProcedure
  .output(z.object({ status: z.literal('ok'), database: z.literal('up'), time: z.string() }))
  .query(async ({ ctx }) => {
    await ctx.db.execute(sql`select 1`);
    return { status: 'ok' as const, database: 'up' as const, time: new Date().toISOString() };
  });
