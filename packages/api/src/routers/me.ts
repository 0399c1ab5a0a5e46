import { z } from 'zod';
import { areasFor } from '@musar/auth';
import { signedInProcedure } from '../trpc';

export const ZMe = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.string().nullable(),
  areas: z.array(z.object({ id: z.string(), label: z.string(), href: z.string() })),
});

export const me = signedInProcedure.output(ZMe).query(({ ctx }) => {
  const { id, email, name, role } = ctx.session.user;
  return {
    id,
    email,
    name,
    role,
    areas: areasFor(role).map(({ id, label, href }) => ({ id, label, href })),
  };
});
