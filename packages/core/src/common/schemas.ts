import { z } from 'zod';
import { ROLES } from '@musar/auth/permissions';

// Shared zod schemas (Z…) and their types (T…). Dates travel as ISO strings.
export const ZId = z.string().min(1).max(200);
export const ZRole = z.enum(ROLES);
export const ZIsoDate = z.iso.datetime();

export const ZUser = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.string().nullable(),
  banned: z.boolean(),
  banReason: z.string().nullable(),
  banExpires: ZIsoDate.nullable(),
  createdAt: ZIsoDate,
});
export type TUser = z.infer<typeof ZUser>;

export const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
